/**
 * Learning-rate schedules over one training (one cycle of iEP), as a function of the
 * fractional epoch, so that restarting the schedule is simply evaluating it from 0 again.
 */
export interface LrScheduleSettings {
  kind: "cosine" | "step" | "constant";
  lr: number;
  epochs: number;
  warmupEpochs: number;
  stepMilestones: number[];
  stepGamma: number;
}

export function learningRate(s: LrScheduleSettings, epoch: number): number {
  if (s.warmupEpochs > 0 && epoch < s.warmupEpochs) return (s.lr * (epoch + 1e-9)) / s.warmupEpochs;
  switch (s.kind) {
    case "constant":
      return s.lr;
    case "step": {
      const passed = s.stepMilestones.filter((m) => epoch >= m).length;
      return s.lr * Math.pow(s.stepGamma, passed);
    }
    case "cosine": {
      const span = Math.max(1e-9, s.epochs - s.warmupEpochs);
      const t = Math.min(1, (epoch - s.warmupEpochs) / span);
      return 0.5 * s.lr * (1 + Math.cos(Math.PI * t));
    }
  }
}
