// Test helpers of @llmd/platform: certificates made with openssl for TLS specs.
export * from './test-certificates';
