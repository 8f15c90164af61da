import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where `npm start` keeps the embedded store's data between runs, and how it is checked and wiped. The store is
 * a LevelDB directory that dynalite opens through the `level` package; LevelDB lets one process at a time hold
 * it, so a second `npm start` on the same directory is refused here with a clear message.
 */

/** `<repo>/.local-data`, found relative to this file so the working directory does not matter (git-ignored). */
export const DEFAULT_DATA_DIR = path.resolve(import.meta.dirname, '../../../.local-data');

/** The embedded DynamoDB's LevelDB directory inside a data directory. */
export function dynamoDataPath(dataDir: string): string {
  return path.join(dataDir, 'dynamodb');
}

/** Another process (most likely another `npm start`) holds the store's LevelDB lock. */
export class DataDirInUseError extends Error {
  constructor(
    public readonly dataPath: string,
    options?: ErrorOptions,
  ) {
    super(
      `${dataPath} is in use by another process (another \`npm start\`?). Stop it, or choose another directory ` +
        'with --data-dir / LOCAL_DATA_DIR, or run with --in-memory.',
      options,
    );
    this.name = 'DataDirInUseError';
  }
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** The `level` dynalite itself loads (its dependency, not ours), so the probe and the store share one LevelDB build. */
function levelOfDynalite(): new (location: string) => LevelDatabase {
  const requireFromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  return (requireFromDynalite('level') as { Level: new (location: string) => LevelDatabase }).Level;
}

/**
 * Opens and closes the LevelDB directory (creating it when missing) to learn whether another process holds it.
 * dynalite itself would only fail on the first request, with an exception thrown where nobody can catch it.
 */
export async function ensureStoreAvailable(dataPath: string): Promise<void> {
  await mkdir(dataPath, { recursive: true });
  const Level = levelOfDynalite();
  const db = new Level(dataPath);
  try {
    await db.open();
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED')
      throw new DataDirInUseError(dataPath, { cause: error });
    throw error;
  } finally {
    await db.close();
  }
}

/**
 * Deletes the embedded store's data in `dataDir` (only the directory this runtime writes, not the rest of
 * `dataDir`), refusing while another process uses it.
 */
export async function wipeLocalData(dataDir: string): Promise<void> {
  const dataPath = dynamoDataPath(dataDir);
  await ensureStoreAvailable(dataPath);
  await rm(dataPath, { recursive: true, force: true });
}
