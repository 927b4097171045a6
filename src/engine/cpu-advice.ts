/**
 * tfjs's plain `cpu` backend prints "Hi, looks like you are running TensorFlow.js in
 * Node.js… install our node backend" on its first tensor. The workbench reports the backend
 * that runs itself (`slt info`, every run's start line and result), so the advice is noise
 * in a run's output; it is kept off here.
 */
import * as tf from "@tensorflow/tfjs";

/** Mark the cpu backend's one-time advice as given (tfjs 4.22 keeps that in its `firstUse` field). */
export function silenceCpuAdvice(): void {
  const cpu = tf.findBackend("cpu") as { firstUse?: unknown } | null;
  if (cpu && typeof cpu.firstUse === "boolean") cpu.firstUse = false;
}
