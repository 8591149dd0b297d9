export declare const POSTGRES_URL_ENV = "HANDGESTURE_TEST_POSTGRES_URL";
/** The URL with its password hidden, for messages. */
export declare function redactUrl(url: string): string;
/**
 * True when a PostgreSQL server is configured for tests. Use with `describe.skipIf(!hasTestPostgres())`.
 * Under CI=true a missing setting throws instead.
 */
export declare function hasTestPostgres(): boolean;
/**
 * A URL to a new, empty database on the configured server, or undefined when none is configured (outside CI).
 * Drop it with dropTestDatabase(url) when done.
 */
export declare function testPostgresUrl(): Promise<string | undefined>;
/** Drops a database testPostgresUrl made, closing its remaining connections first. */
export declare function dropTestDatabase(url: string): Promise<void>;
