// Test helpers of @llmd/platform: certificates made with openssl for TLS specs, and the property-based
// runner with its seeded generators for the parsers of untrusted bytes.
export * from './property';
export * from './test-certificates';
