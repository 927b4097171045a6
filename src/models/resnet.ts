/**
 * ResNet-18, CIFAR variant, as in the Edge-Popup code (resnet_cifar.py): a 3×3 stride-1
 * stem (no max-pool), four stages of two BasicBlocks (64, 128, 256, 512 channels; stride 2
 * at the start of stages 2–4), 1×1 stride-2 projection shortcuts where the shape changes,
 * global average pool, one dense layer to the classes. Batch norm is non-affine (EP's
 * supermask ResNets), and no layer has a bias, so every learnable number is a score (or a
 * weight, in weights mode or for a dense first/last layer).
 */
import * as tf from "@tensorflow/tfjs";
import type { ConvGeometry } from "../engine/ops";
import type { MaskedLayer } from "../supermask/layers";
import { BatchNorm2d } from "./batchnorm";
import { type Model, type ModelContext, type ModelSpec, scaledWidth } from "./types";

const STAGE_WIDTHS = [64, 128, 256, 512];
const BLOCKS_PER_STAGE = 2;
const CONV3: ConvGeometry = { stride: 1, padding: 1 };
const CONV3_DOWN: ConvGeometry = { stride: 2, padding: 1 };
const PROJECTION: ConvGeometry = { stride: 2, padding: 0 };

interface BasicBlock {
  conv1: MaskedLayer;
  bn1: BatchNorm2d;
  conv2: MaskedLayer;
  bn2: BatchNorm2d;
  /** 1×1 conv + batch norm where the block changes the shape; null = identity. */
  shortcut: { conv: MaskedLayer; bn: BatchNorm2d } | null;
}

function blockForward(b: BasicBlock, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  let out = tf.relu(b.bn1.apply(b.conv1.apply(x) as tf.Tensor4D, training));
  out = b.bn2.apply(b.conv2.apply(out) as tf.Tensor4D, training);
  const skip = b.shortcut ? b.shortcut.bn.apply(b.shortcut.conv.apply(x) as tf.Tensor4D, training) : x;
  return tf.relu(tf.add(out, skip) as tf.Tensor4D);
}

export const resnet18: ModelSpec = {
  name: "resnet18",
  description:
    "ResNet-18 (CIFAR): 3×3 stem, 4 stages × 2 BasicBlocks (64,128,256,512), 1×1 projection shortcuts, non-affine batch norm, avg-pool, FC; no biases",
  hiddenWidths: STAGE_WIDTHS,
  build(ctx: ModelContext): Model {
    const [, , inChannels] = ctx.inputShape;
    const layers: MaskedLayer[] = [];
    const norms: BatchNorm2d[] = [];
    const conv = (
      name: string,
      kernel: number,
      cin: number,
      cout: number,
      geometry: ConvGeometry,
      role: "first" | "hidden",
    ): MaskedLayer => {
      const layer = ctx.layer(name, { kind: "conv2d", kernel, inChannels: cin, outChannels: cout, geometry }, role);
      layers.push(layer);
      return layer;
    };
    const norm = (name: string, channels: number): BatchNorm2d => {
      const bn = new BatchNorm2d(name, channels);
      norms.push(bn);
      return bn;
    };

    // Created in forward order: the seeded init draws and `layers` follow the network.
    let width = scaledWidth(STAGE_WIDTHS[0], ctx);
    const stem = conv("conv1", 3, inChannels, width, CONV3, "first");
    const stemBn = norm("bn1", width);
    const blocks: BasicBlock[] = [];
    STAGE_WIDTHS.forEach((base, s) => {
      const planes = scaledWidth(base, ctx);
      for (let i = 0; i < BLOCKS_PER_STAGE; i++) {
        const stride = s > 0 && i === 0 ? 2 : 1;
        const prefix = `layer${s + 1}.${i}`;
        const conv1 = conv(`${prefix}.conv1`, 3, width, planes, stride === 2 ? CONV3_DOWN : CONV3, "hidden");
        const bn1 = norm(`${prefix}.bn1`, planes);
        const conv2 = conv(`${prefix}.conv2`, 3, planes, planes, CONV3, "hidden");
        const bn2 = norm(`${prefix}.bn2`, planes);
        let shortcut: BasicBlock["shortcut"] = null;
        if (stride !== 1 || width !== planes) {
          const geometry = stride === 2 ? PROJECTION : { stride: 1, padding: 0 };
          // PyTorch's names (nn.Sequential indices), so keys match the EP code's state_dict.
          shortcut = { conv: conv(`${prefix}.shortcut.0`, 1, width, planes, geometry, "hidden"), bn: norm(`${prefix}.shortcut.1`, planes) };
        }
        blocks.push({ conv1, bn1, conv2, bn2, shortcut });
        width = planes;
      }
    });
    const fc = ctx.layer("fc", { kind: "dense", inFeatures: width, outFeatures: ctx.numClasses }, "last");
    layers.push(fc);

    return {
      name: "resnet18",
      layers,
      forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
        let y = tf.relu(stemBn.apply(stem.apply(x) as tf.Tensor4D, training));
        for (const b of blocks) y = blockForward(b, y, training);
        // Global average pool over whatever spatial size stage 4 leaves (4×4 for 32×32 and 28×28).
        const pooled = tf.mean(y, [1, 2]) as tf.Tensor2D;
        return fc.apply(pooled) as tf.Tensor2D;
      },
      buffers: () => Object.assign({}, ...norms.map((bn) => bn.buffers())) as Record<string, tf.Variable>,
      dispose: () => {
        layers.forEach((l) => l.dispose());
        norms.forEach((bn) => bn.dispose());
      },
    };
  },
};
