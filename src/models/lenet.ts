/** LeNet-300-100: the MLP of the lottery-ticket and Edge-Popup papers (no biases, as in EP). */
import * as tf from "@tensorflow/tfjs";
import { type Model, type ModelContext, type ModelSpec, scaledWidth } from "./types";

export const lenet300: ModelSpec = {
  name: "lenet300",
  description: "LeNet-300-100 MLP: flatten → 300 → 100 → classes, ReLU, no biases",
  hiddenWidths: [300, 100],
  build(ctx: ModelContext): Model {
    const [h, w, c] = ctx.inputShape;
    const [h1, h2] = lenet300.hiddenWidths.map((w) => scaledWidth(w, ctx));
    const layers = [
      ctx.layer("fc1", { kind: "dense", inFeatures: h * w * c, outFeatures: h1 }, "first"),
      ctx.layer("fc2", { kind: "dense", inFeatures: h1, outFeatures: h2 }, "hidden"),
      ctx.layer("fc3", { kind: "dense", inFeatures: h2, outFeatures: ctx.numClasses }, "last"),
    ];
    return {
      name: "lenet300",
      layers,
      forward(x: tf.Tensor4D): tf.Tensor2D {
        let y: tf.Tensor = tf.reshape(x, [x.shape[0], -1]);
        y = tf.relu(layers[0].apply(y));
        y = tf.relu(layers[1].apply(y));
        return layers[2].apply(y) as tf.Tensor2D;
      },
      buffers: () => ({}),
      dispose: () => layers.forEach((l) => l.dispose()),
    };
  },
};
