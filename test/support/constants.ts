// Fixed credentials for the test run's own loopback servers (never used outside tests).
export const TEST_WAREHOUSE_TOKEN = 'test-warehouse-token-0000000000';
export const TEST_API_TOKEN = 'test-api-token-0000000000';
