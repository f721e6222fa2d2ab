import { describe, expect, it } from 'vitest';
import { looksLikeSecret, SecretRefName } from './secret-ref.js';

describe('looksLikeSecret', () => {
  it.each([
    'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
    'glpat-xxxxxxxxxxxxxxxxxxxx',
    'qat_k2J9xQm4T7vB1nL8pR3sW6yZ0cF5hD2gA9eU4iO7tM1',
    'AKIAIOSFODNN7EXAMPLE',
    '-----BEGIN RSA PRIVATE KEY-----',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'Zx9_kQ2mN7pL4vR8tY1wE6uI3oP5aS0dF2gH7jK9lBq',
    'dGhpcy1pcy1hLWJhc2U2NC1lbmNvZGVkLXNlY3JldC12YWx1ZQ',
  ])('flags %s', (value) => expect(looksLikeSecret(value)).toBe(true));

  it.each([
    'GIT_TOKEN',
    'QATRON_PROJECT_PAYMENTS_SERVICE_REPOSITORY_TOKEN',
    'org.example.payments-service.deploy-token.production_v2',
    'my_very_long_secret_name_for_the_ci_ssh_deploy_key_2024',
    'PaymentsServiceRepositoryDeployKeyForProduction',
    'a3f1c9e2b7d4a6f8e1c3b5d7f9a2c4e6b8d0f1a3',
  ])('accepts the name %s', (value) => expect(looksLikeSecret(value)).toBe(false));
});

describe('SecretRefName', () => {
  it('explains a pasted secret and a malformed name differently', () => {
    expect(SecretRefName.safeParse('ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8').error?.issues[0]?.message).toMatch(/^must name a secret/);
    expect(SecretRefName.safeParse('9lives').error?.issues[0]?.message).toMatch(/^must be a secret name/);
    expect(SecretRefName.safeParse('deploy-key.v2').success).toBe(true);
  });
});
