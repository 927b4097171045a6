/**
 * Conv2/4/6/8 of the Edge-Popup paper (the VGG-like nets of Frankle & Carbin): pairs of
 * 3×3 convs (padding 1) each followed by a 2×2 max-pool, then FC 256 → 256 → classes.
 * No biases, no batch norm. Works for 28×28×1 and 32×32×3 inputs alike.
 */
import * as tf from "@tensorflow/tfjs";
import type { MaskedLayer } from "../supermask/layers";
import { type Model, type ModelContext, type ModelSpec, scaledWidth } from "./types";

const BLOCK_WIDTHS = [64, 128, 256, 512];
const FC_WIDTH = 256;

function convNet(blocks: number): ModelSpec {
  const name = `conv${blocks * 2}`;
  return {
    name,
    description: `Conv-${blocks * 2}: ${BLOCK_WIDTHS.slice(0, blocks)
      .map((w) => `${w},${w},pool`)
      .join(",")} then FC 256,256,classes; ReLU, no biases`,
    hiddenWidths: [...BLOCK_WIDTHS.slice(0, blocks), FC_WIDTH],
    build(ctx: ModelContext): Model {
      let [h, w, c] = ctx.inputShape;
      const convs: MaskedLayer[] = [];
      let n = 0;
      for (let b = 0; b < blocks; b++) {
        const width = scaledWidth(BLOCK_WIDTHS[b], ctx);
        for (let r = 0; r < 2; r++) {
          n++;
          const geometry = { stride: 1, padding: 1 };
          convs.push(
            ctx.layer(`conv${n}`, { kind: "conv2d", kernel: 3, inChannels: c, outChannels: width, geometry }, n === 1 ? "first" : "hidden"),
          );
          c = width;
        }
        h = Math.floor(h / 2);
        w = Math.floor(w / 2);
      }
      const fcWidth = scaledWidth(FC_WIDTH, ctx);
      const fcs = [
        ctx.layer("fc1", { kind: "dense", inFeatures: h * w * c, outFeatures: fcWidth }, "hidden"),
        ctx.layer("fc2", { kind: "dense", inFeatures: fcWidth, outFeatures: fcWidth }, "hidden"),
        ctx.layer("fc3", { kind: "dense", inFeatures: fcWidth, outFeatures: ctx.numClasses }, "last"),
      ];
      const layers = [...convs, ...fcs];
      return {
        name,
        layers,
        forward(x: tf.Tensor4D): tf.Tensor2D {
          let y: tf.Tensor = x;
          for (let i = 0; i < convs.length; i++) {
            y = tf.relu(convs[i].apply(y));
            if (i % 2 === 1) y = tf.maxPool(y as tf.Tensor4D, 2, 2, "valid");
          }
          y = tf.reshape(y, [y.shape[0], -1]);
          y = tf.relu(fcs[0].apply(y));
          y = tf.relu(fcs[1].apply(y));
          return fcs[2].apply(y) as tf.Tensor2D;
        },
        buffers: () => ({}),
        dispose: () => layers.forEach((l) => l.dispose()),
      };
    },
  };
}

export const conv2 = convNet(1);
export const conv4 = convNet(2);
export const conv6 = convNet(3);
export const conv8 = convNet(4);
