import type { Random } from './random.ts';

export type FaultKind =
  | 'projector-sigkill'
  | 'listen-connection-terminated'
  | 'primary-restart'
  | 'replica-stop-start'
  | 'coingecko-429'
  | 'coingecko-5xx'
  | 'coingecko-slow'
  | 'out-of-order-commits';

export type FaultCounts = Record<FaultKind, number>;

/** The CI-sized run: every kind of fault at least once, a few minutes on a 2-core machine. */
export const CI_FAULTS: FaultCounts = {
  'projector-sigkill': 5,
  'listen-connection-terminated': 2,
  'primary-restart': 1,
  'replica-stop-start': 1,
  'coingecko-429': 1,
  'coingecko-5xx': 1,
  'coingecko-slow': 1,
  'out-of-order-commits': 2,
};

/** FAULTS_LONG=1: the same mix, many times (≥ 20 projector SIGKILLs). */
export const LONG_FAULTS: FaultCounts = {
  'projector-sigkill': 24,
  'listen-connection-terminated': 6,
  'primary-restart': 3,
  'replica-stop-start': 3,
  'coingecko-429': 3,
  'coingecko-5xx': 3,
  'coingecko-slow': 3,
  'out-of-order-commits': 6,
};

export interface PlannedFault {
  kind: FaultKind;
  /** Writes keep flowing this long before the fault is injected. */
  pauseBeforeMs: number;
}

/** The faults in a random order, each after a random pause (so a SIGKILL lands at a random moment of a batch). */
export function planFaults(counts: FaultCounts, random: Random, pauseMs: { min: number; max: number }): PlannedFault[] {
  const kinds = (Object.keys(counts) as FaultKind[]).flatMap((kind) => Array.from({ length: counts[kind] }, () => kind));
  return random.shuffle(kinds).map((kind) => ({ kind, pauseBeforeMs: random.int(pauseMs.min, pauseMs.max) }));
}
