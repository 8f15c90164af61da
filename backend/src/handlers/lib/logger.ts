import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per container; Powertools reads its level and service name from the environment. */
export const logger = new Logger();
