import { afterAll } from 'vitest';
import { describeRefusals, takePulseScoreRefusals } from '../emulator/audit.js';

/**
 * Every test file fails if the Stripe emulator refused a request PulseScore made under Stripe's rules (an
 * expansion too deep, an unknown parameter, …): real Stripe would refuse it too. See emulator/audit.ts.
 */
afterAll(() => {
  const refused = takePulseScoreRefusals();
  if (refused.length > 0) {
    throw new Error(
      `The Stripe emulator refused ${refused.length} request(s) PulseScore made, as Stripe would:\n${describeRefusals(refused)}`,
    );
  }
});
