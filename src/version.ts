// Kept in step with package.json by a unit test.
export const VERSION = '1.0.0'
