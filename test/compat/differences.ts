// Known, intended differences between dockerd and minidock under a real client, each with its
// reason. A scenario that passes on dockerd and fails on minidock is a MISMATCH unless an entry
// here names it AND recognises minidock's failure (so a new failure in the same scenario still
// counts). Missing endpoints are not intended differences: they stay MISMATCHes until built.
import type { IntendedDifference } from './types.js';

export const differences: IntendedDifference[] = [];
