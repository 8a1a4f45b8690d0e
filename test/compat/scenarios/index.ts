// Every scenario of the compatibility suite, in run order.
import type { Scenario } from '../types.js';
import { cliScenarios } from './cli.js';
import { composeScenarios } from './compose.js';
import { dockerPyScenarios } from './dockerpy.js';
import { dockerodeScenarios } from './dockerode.js';
import { testcontainersScenarios } from './testcontainers.js';

export const scenarios: Scenario[] = [
  ...cliScenarios,
  ...composeScenarios,
  ...dockerPyScenarios,
  ...dockerodeScenarios,
  ...testcontainersScenarios,
];
