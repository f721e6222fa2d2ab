import { z } from 'zod';

/**
 * Secret references (FR-SEC-04): projects and environments name a secret (an environment variable
 * or Kubernetes Secret key on the worker), never hold its value (FR-SEC-02). The checks below
 * catch the common mistake of pasting the token itself, so that it never reaches the database,
 * the audit log or an error message.
 */
export const SECRET_REF_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;

/** Prefixes of well-known credentials: GitHub, GitLab, QAtron service tokens, Slack, Stripe, AWS. */
const CREDENTIAL_PREFIXES = ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'gldt-', 'glptt-', 'qat_', 'xoxb-', 'xoxp-', 'sk_live_'];
const AWS_ACCESS_KEY = /^(AKIA|ASIA)[0-9A-Z]{16}$/;

export const SECRET_VALUE_MESSAGE = 'must name a secret (e.g. GIT_TOKEN), not contain it: keep the value in the worker environment or a Kubernetes Secret';

/** True for values that carry a well-known credential marker: a token prefix or a PEM block. */
export function hasCredentialMarker(value: string): boolean {
  return CREDENTIAL_PREFIXES.some((prefix) => value.startsWith(prefix)) || AWS_ACCESS_KEY.test(value) || value.includes('-----BEGIN');
}

/**
 * True for long strings that read as random rather than as a name: either high Shannon entropy
 * over the whole string, or a long unbroken run that keeps switching between letters and digits
 * (hex digests, base64 tokens). Names made of words (`PAYMENTS_REPO_DEPLOY_KEY`) stay below both.
 */
export function looksRandom(value: string): boolean {
  if (value.length <= 40) return false;
  if (shannonEntropy(value) >= 4.5) return true;
  return value.split(/[_.-]/).some((run) => run.length >= 20 && classSwitchRate(run) >= 0.3);
}

/** True when `value` looks like a secret rather than the name of one. */
export function looksLikeSecret(value: string): boolean {
  return hasCredentialMarker(value) || looksRandom(value);
}

/** A secret's name, as `secret_ref` and the values of `secret_refs` hold it. */
export const SecretRefName = z
  .string()
  .superRefine((value, ctx) => {
    // The secret check comes first so that a pasted token gets the message that explains the mistake.
    if (looksLikeSecret(value)) ctx.addIssue({ code: 'custom', message: SECRET_VALUE_MESSAGE });
    else if (!SECRET_REF_PATTERN.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a secret name: a letter or _ first, then letters, digits, _ . or -, at most 255 characters' });
    }
  })
  // The name rule in the OpenAPI document (a refinement alone would not show there).
  .meta({ pattern: SECRET_REF_PATTERN.source });

function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** How often consecutive characters change class (lower, upper, digit), per character. */
function classSwitchRate(run: string): number {
  const classOf = (c: string) => (/[0-9]/.test(c) ? 'digit' : /[a-z]/.test(c) ? 'lower' : /[A-Z]/.test(c) ? 'upper' : 'other');
  let switches = 0;
  for (let i = 1; i < run.length; i++) if (classOf(run[i]!) !== classOf(run[i - 1]!)) switches++;
  return switches / run.length;
}
