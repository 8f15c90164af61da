/**
 * The one identity every local AWS client uses: table creation, the local "Lambda" environment and the tests.
 * dynalite and the local gateway do not check signatures, but the SDK needs credentials to sign with, and fixed
 * ones keep it from searching the environment or a profile. Not for a real AWS endpoint, which gets the SDK
 * default credential chain instead.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
