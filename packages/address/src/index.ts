export { formatIpv4 } from './ipv4.js';
export { formatIpv6, formatIpv6Groups } from './ipv6.js';
export { addressFamily, isIpv4Text, parseIpv4, parseIpv6 } from './parse.js';
export { randomBytes, randomInt } from './random.js';
