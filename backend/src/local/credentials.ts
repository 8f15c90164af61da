/**
 * The one identity every local DynamoDB client uses: table creation, the local "Lambda" environment and the
 * tests. dynalite ignores credentials, but DynamoDB Local keeps one database per access key and region unless it
 * runs with -sharedDb, so a second key would quietly see no tables.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
