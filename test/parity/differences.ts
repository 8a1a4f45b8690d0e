// Known, intended differences between docker and minidock, each with its reason.
// A difference listed here turns a mismatch of that scenario/step/field into
// "intended difference"; anything else that differs is a MISMATCH.
import type { IntendedDifference } from './types.js';

export const differences: IntendedDifference[] = [
];
