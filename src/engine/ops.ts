/**
 * Dense and conv2d with hand-written gradients that run fast on every backend.
 *
 * Why: the wasm backend has no Conv2DBackpropFilter kernel at all, and its transposed
 * matMul path and conv2dTranspose are ~10x slower than the plain kernels. So the
 * backward passes below use only plain matMul, explicit transposes and forward conv2d:
 * - dense:  dX = dY · Wᵀ and dW = Xᵀ · dY with the transposes materialised;
 * - conv:   dX = conv2d(dilated, padded dY, spatially flipped W with in/out swapped);
 *           dW = conv2d over the batch axis: inputs transposed to [Ci, H, W, N] and dY
 *           to [Ho, Wo, N, Co] as the filter, dilated by the stride.
 * Both are checked against tfjs autodiff on the cpu backend in the tests.
 */
import * as tf from "@tensorflow/tfjs";

/** y = x · w for x [B, I] and w [I, O]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, wIn, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const x2 = xIn;
    const w2 = wIn;
    save([x2, w2]);
    return {
      value: tf.matMul(x2, w2),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        return [tf.matMul(dy2, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy2)];
      },
    };
  });
  return f(x, w) as tf.Tensor2D;
}

export interface ConvGeometry {
  /** Stride in both spatial directions. */
  stride: number;
  /** Zero padding on each side, in both spatial directions (PyTorch's `padding`). */
  padding: number;
}

/** Insert (stride - 1) zeros between the rows and columns of dy [N, H, W, C]. */
function dilateSpatial(dy: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const expanded = tf.reshape(dy, [n, h, 1, w, 1, c]);
  const padded = tf.pad(expanded, [
    [0, 0],
    [0, 0],
    [0, stride - 1],
    [0, 0],
    [0, stride - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [n, h * stride, w * stride, c]) as tf.Tensor4D;
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * stride + 1, (w - 1) * stride + 1, c]);
}

/** Pad (or crop, for negative amounts) the two spatial axes of an NHWC tensor. */
function padSpatial(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let out = t;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = out.shape;
    const ct = Math.max(0, -top), cb = Math.max(0, -bottom), cl = Math.max(0, -left), cr = Math.max(0, -right);
    out = tf.slice(out, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
  }
  const pt = Math.max(0, top), pb = Math.max(0, bottom), pl = Math.max(0, left), pr = Math.max(0, right);
  if (pt || pb || pl || pr) out = tf.pad(out, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  return out;
}

export function convOutputSize(inputSize: number, kernel: number, g: ConvGeometry): number {
  return Math.floor((inputSize + 2 * g.padding - kernel) / g.stride) + 1;
}

/** conv2d of x [N, H, W, Ci] with w [KH, KW, Ci, Co]; symmetric zero padding. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const { stride, padding } = g;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x4, w4]);
    return {
      value: tf.conv2d(x4, w4, stride, padding === 0 ? "valid" : padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const [, h, wd] = xs.shape;
        const [kh, kw] = ws.shape;
        const [, ho, wo] = dy4.shape;
        // Rows of the padded input that the strided window never reached.
        const remH = h + 2 * padding - kh - (ho - 1) * stride;
        const remW = wd + 2 * padding - kw - (wo - 1) * stride;

        // Input gradient: full correlation of the dilated dY with the flipped kernel.
        const dyDilated = dilateSpatial(dy4, stride);
        const dyPadded = padSpatial(dyDilated, kh - 1 - padding, kh - 1 - padding + remH, kw - 1 - padding, kw - 1 - padding + remW);
        const wFlipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const dx = tf.conv2d(dyPadded, wFlipped, 1, "valid");

        // Filter gradient: correlate inputs with dY over the batch axis.
        const xPadded = padSpatial(xs, padding, padding, padding, padding);
        const xT = tf.transpose(xPadded, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, Hp, Wp, N]
        const dyT = tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Co]
        let dwT = tf.conv2d(xT, dyT, 1, "valid", "NHWC", stride); // [Ci, KH + remH, KW + remW, Co]
        if (remH > 0 || remW > 0) dwT = tf.slice(dwT, [0, 0, 0, 0], [dwT.shape[0], kh, kw, dwT.shape[3]]);
        const dw = tf.transpose(dwT, [1, 2, 0, 3]);
        return [dx, dw];
      },
    };
  });
  return f(x, w) as tf.Tensor4D;
}
