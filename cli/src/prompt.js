import { createInterface } from 'node:readline';

/**
 * Asks a question on the terminal (the prompt goes to stderr so stdout stays clean).
 * @param {{ stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream }} io
 * @param {string} question
 * @param {{ hidden?: boolean }} [options] hidden: the answer is not echoed (passwords)
 * @returns {Promise<string>}
 */
export function ask(io, question, options = {}) {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
    if (options.hidden) {
      // readline echoes what is typed through _writeToOutput; keep the prompt, drop the keystrokes.
      const internal = /** @type {{ _writeToOutput: (text: string) => void }} */ (/** @type {unknown} */ (rl));
      let prompted = false;
      internal._writeToOutput = (text) => {
        if (!prompted) {
          prompted = true;
          io.stderr.write(text);
        } else if (text.includes('\n') || text.includes('\r')) io.stderr.write('\n');
      };
    }
    let answered = false;
    rl.on('SIGINT', () => {
      rl.close();
      if (!answered) reject(new Error('interrupted'));
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}
