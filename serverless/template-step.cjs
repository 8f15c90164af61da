'use strict';

/**
 * The shape both local plugins share: edit the compiled CloudFormation template once `resources:` are merged into
 * it, and let the step's own errors stop packaging as a configuration error (osls prints the message alone, no
 * stack trace). `edit(serverless)` does the work; `StepError` is the class of the errors meant for the user.
 */
function templateStep(code, StepError, edit) {
  return class TemplateStep {
    constructor(serverless) {
      this.serverless = serverless;
      this.hooks = { 'after:aws:package:finalize:mergeCustomProviderResources': () => this.run() };
    }

    run() {
      try {
        edit(this.serverless);
      } catch (error) {
        const ServerlessError = this.serverless.classes?.Error;
        if (error instanceof StepError && ServerlessError) throw new ServerlessError(error.message, code);
        throw error;
      }
    }
  };
}

module.exports = { templateStep };
