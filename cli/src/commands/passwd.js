import { EXIT, UsageError } from '../errors.js';
import { ask } from '../prompt.js';
import { noArgs } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

/**
 * `qatron passwd`: changes the logged-in user's password (POST /api/v1/auth/password), also the
 * forced change after an admin reset it. Passwords are never options (they would stay in the
 * shell history and the process list): hidden prompts, the new one twice, or QATRON_PASSWORD and
 * QATRON_NEW_PASSWORD when there is no terminal.
 * @type {Command}
 */
export const passwd = {
  name: 'passwd',
  summary: 'Change your password (prompts without echo; the new password twice)',
  usage: 'qatron passwd',
  examples: ['qatron passwd', 'QATRON_PASSWORD=old QATRON_NEW_PASSWORD=new qatron passwd'],
  needsAuth: true,
  async run({ args, env, io, client, output }) {
    noArgs(args, 'passwd');
    let current = env.QATRON_PASSWORD;
    let next = env.QATRON_NEW_PASSWORD;
    if ((!current || !next) && !io.isTTY) {
      throw new UsageError('no terminal to prompt on: set QATRON_PASSWORD (current) and QATRON_NEW_PASSWORD');
    }
    current ||= await ask(io, 'Current password: ', { hidden: true });
    if (!next) {
      next = await ask(io, 'New password: ', { hidden: true });
      const again = await ask(io, 'New password again: ', { hidden: true });
      if (next !== again) throw new UsageError('the two new passwords differ; nothing was changed');
    }
    if (!current || !next) throw new UsageError('the current and the new password are required');
    await client.request('POST', '/api/v1/auth/password', { json: { current_password: current, new_password: next } });
    if (output.structured) output.print({ password_changed: true });
    else output.note('Password changed');
    return EXIT.OK;
  },
};
