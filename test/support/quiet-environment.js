// The app's own log lines (pino's JSON on stdout) go to reports/app-logs/<spec>.log instead
// of the terminal: they were ~4,000 of the suite's ~4,700 output lines (issue 25). A failing
// test prints the lines written since the previous test ended (its hooks included) to stderr,
// framed by its name. Jest's own output goes to stderr and is left alone.
const { appendFileSync, mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

const ROOT = join(__dirname, '..', '..');

class QuietEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    const spec = relative(ROOT, context.testPath).replace(/[\\/]/g, '__');
    this.logFile = join(ROOT, 'reports', 'app-logs', `${spec}.log`);
    this.pending = [];
  }

  async setup() {
    await super.setup();
    mkdirSync(dirname(this.logFile), { recursive: true });
    writeFileSync(this.logFile, '');
    this.realWrite = process.stdout.write;
    const pending = this.pending;
    process.stdout.write = function (chunk, encoding, callback) {
      pending.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done);
      return true;
    };
  }

  flush(failed, name) {
    const text = this.pending.join('');
    this.pending.length = 0;
    if (text === '') return;
    appendFileSync(this.logFile, text);
    if (failed) {
      process.stderr.write(
        `\n--- app log lines of the failed test "${name}" ---\n${text}--- end ---\n`,
      );
    }
  }

  handleTestEvent(event) {
    if (event.name === 'test_done') {
      this.flush(event.test.errors.length > 0, event.test.name);
    } else if (event.name === 'hook_failure') {
      this.flush(true, `${event.hook.type} hook`);
    }
  }

  async teardown() {
    this.flush(false, '');
    if (this.realWrite) process.stdout.write = this.realWrite;
    await super.teardown();
  }
}

module.exports = QuietEnvironment;
