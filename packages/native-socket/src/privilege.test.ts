import { describe, expect, it } from 'vitest';
import { constants } from './constants.js';
import { SocketError } from './errors.js';
import { helperDescriptor } from './privilege.js';

// The client side of the privileged helper against helpers that are not it: missing, or a
// program that answers nothing. The helper itself is tested in the lab
// (test/privilege-helper.test.ts), where it is installed with its capability and group.
describe('helperDescriptor', () => {
  const icmp = () => {
    const c = constants();
    return [c.AF_INET!, c.SOCK_RAW!, c.IPPROTO_ICMP!] as const;
  };

  it('says the helper cannot be run, with its errno', () => {
    const err = (() => {
      try {
        helperDescriptor('/nonexistent/netdiag-helper', ...icmp());
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SocketError);
    expect(err).toMatchObject({ code: 'ENOENT' });
    expect((err as Error).message).toMatch(/cannot run the helper \/nonexistent\/netdiag-helper/);
  });

  it('gives up on a program that ends without answering, and reaps it', () => {
    expect(() => helperDescriptor('/bin/true', ...icmp())).toThrow(
      /the helper (gave no answer|did not take the request)/,
    );
  });
});
