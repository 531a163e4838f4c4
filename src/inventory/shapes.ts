import { broadcastAddress, isIpv4, networkAddress, nonUnicastReason, parseIpv4 } from './ipv4.js';
import { parseProxyJump } from './ssh-config.js';

/**
 * Shape checks for single values. Everything here may end up in a remote shell command or a
 * keepalived.conf line, so each check admits only a conservative alphabet instead of trying to quote.
 * `lbprov init` runs the same checks on every answer as it is typed.
 */
export interface Problem {
  message: string;
  hint?: string;
}

export type ShapeCheck = (value: string) => Problem | undefined;

const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const checkHost: ShapeCheck = (value) => {
  const address = parseIpv4(value);
  if (address !== undefined) {
    const reason = nonUnicastReason(address);
    return reason === undefined
      ? undefined
      : { message: `${value} ${reason}`, hint: "the host's own address, e.g. 10.8.80.218" };
  }
  const looksNumeric = /^[\d.]+$/.test(value);
  if (looksNumeric) {
    return {
      message: `"${value}" is not a valid IPv4 address`,
      hint: 'four numbers 0-255 without leading zeros, e.g. 10.8.80.218',
    };
  }
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const valid = name.length > 0 && name.length <= 253 && name.split('.').every((l) => DNS_LABEL.test(l));
  if (valid) return undefined;
  return {
    message: `"${value}" is neither an IPv4 address nor a host name`,
    hint: 'an address such as 10.8.80.218 or a name such as redis-1.example.com (letters, digits, "-" and ".")',
  };
};

export const checkInterface: ShapeCheck = (value) =>
  /^[A-Za-z0-9_.:-]{1,15}$/.test(value) && !/^[.-]/.test(value)
    ? undefined
    : {
        message: `"${value}" is not a network interface name`,
        hint: 'at most 15 letters, digits, "_", ".", ":" or "-", e.g. eth0 or ens192',
      };

export const checkUserName: ShapeCheck = (value) =>
  /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(value)
    ? undefined
    : {
        message: `"${value}" is not a safe user name`,
        hint: 'start with a letter or "_", then letters, digits, "_", "." or "-" (at most 32), e.g. root or deploy',
      };

/** The inventory's proxy_jump is read with ProxyJump's own rule (the OpenSSH config's). */
export const checkProxyJump: ShapeCheck = (value) => {
  try {
    parseProxyJump(value, 'proxy_jump');
    return undefined;
  } catch (error) {
    return {
      message: (error as Error).message.replace(/^proxy_jump: /, ''),
      hint: 'jump hosts as OpenSSH writes them: [user@]host[:port], several separated by commas, e.g. ops@bastion.example.net',
    };
  }
};

export const checkLabel: ShapeCheck = (value) =>
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(value)
    ? undefined
    : {
        message: `"${value}" is not a usable label`,
        hint: 'letters, digits, "_", "." or "-", starting with a letter or digit (at most 63), e.g. lb-master',
      };

/**
 * Linux's PATH_MAX (4096 bytes with the final NUL) and NAME_MAX: no longer path can be created,
 * configured into a build or installed to. Checked first, so the message need not quote the value.
 */
const REMOTE_PATH_MAX = 4095;
const REMOTE_NAME_MAX = 255;

export const checkRemotePath: ShapeCheck = (value) => {
  if (value.length > REMOTE_PATH_MAX) {
    return {
      message: `is ${value.length} characters; a path on the hosts has at most ${REMOTE_PATH_MAX} (PATH_MAX)`,
      hint: 'give a shorter absolute path, e.g. /usr/local/keepalived',
    };
  }
  const longest = Math.max(...value.split('/').map((name) => name.length));
  if (longest > REMOTE_NAME_MAX) {
    return {
      message: `has a name of ${longest} characters between two "/"; a file name on the hosts has at most ${REMOTE_NAME_MAX} (NAME_MAX)`,
      hint: 'give a shorter absolute path, e.g. /usr/local/keepalived',
    };
  }
  if (!value.startsWith('/')) {
    return {
      message: `"${value}" is not an absolute path`,
      hint: 'start it with "/", e.g. /usr/local/keepalived',
    };
  }
  if (!/^[A-Za-z0-9._/+-]+$/.test(value)) {
    return {
      message: `"${value}" contains characters that are unsafe in a remote command`,
      hint: 'use only letters, digits, "/", ".", "_", "+" and "-"',
    };
  }
  if (value.split('/').includes('..')) {
    return { message: `"${value}" contains ".."`, hint: 'write the path without ".." segments' };
  }
  return undefined;
};

/** Control-side paths are never sent to a shell; they only must not be ambiguous. */
export const checkLocalPath: ShapeCheck = (value) => {
  if (value.trim() === '') return { message: 'is empty', hint: 'give a path, e.g. ~/.ssh/id_ed25519' };
  if (/^~[^/]/.test(value)) {
    return {
      message: `"${value}" uses ~user, which lbprov does not expand`,
      hint: 'write ~/... or a full path',
    };
  }
  if (/[\0\n\r]/.test(value))
    return { message: 'contains a control character', hint: 'write the path on one line' };
  return undefined;
};

/** Fetched on the hosts by a remote command, so only characters without shell or glob meaning pass. */
export const checkUrl: ShapeCheck = (value) => {
  const hint =
    'an http:// or https:// address of letters, digits and . _ ~ : / ? = % + @ , -, e.g. http://www.keepalived.org/software/keepalived-1.2.0.tar.gz';
  if (!/^[A-Za-z0-9._~:/?=%+@,-]+$/.test(value)) {
    return { message: `"${value}" contains characters that are unsafe in a remote command`, hint };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { message: `"${value}" is not a URL`, hint };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { message: `"${value}" uses ${url.protocol.slice(0, -1)}; only http and https are fetched`, hint };
  }
  if (url.hostname === '') return { message: `"${value}" names no host`, hint };
  return undefined;
};

export const checkVersion: ShapeCheck = (value) =>
  /^\d+(\.\d+){1,3}$/.test(value)
    ? undefined
    : {
        message: `"${value}" is not a version number`,
        hint: 'digits separated by dots, e.g. 1.2.0 or 2.2.7',
      };

export const checkSha256: ShapeCheck = (value) =>
  value === '' || /^[0-9A-Fa-f]{64}$/.test(value)
    ? undefined
    : {
        message: `is ${value.length} characters, not a SHA-256 digest`,
        hint: 'the 64 hex digits `sha256sum` prints, or "" to skip the check',
      };

export const checkEnvName: ShapeCheck = (value) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)
    ? undefined
    : {
        message: `"${value}" is not an environment variable name`,
        hint: 'letters, digits and "_", not starting with a digit, e.g. LBPROV_AUTH_PASS',
      };

/**
 * keepalived.conf has no quoting ("#" and "!" start comments, a space ends the word), and the
 * password also travels through remote commands; an alphabet without shell or glob meaning avoids both.
 */
export const checkAuthPassCharacters: ShapeCheck = (value) => {
  if (value === '') return { message: 'is empty', hint: 'give 2 to 8 characters (7 for keepalived 1.2.x)' };
  return /^[A-Za-z0-9._+=@%^,:~-]+$/.test(value)
    ? undefined
    : {
        message: 'contains a character keepalived.conf or a remote shell would misread',
        hint: 'use letters, digits and . _ + = @ % ^ , : ~ -',
      };
};

/** keepalived 1.2.x truncates the VRRP password to 7 characters, later versions to 8 (defect 13). */
export function authPassLimit(keepalivedVersion: string | undefined): number {
  return keepalivedVersion !== undefined && /^1\.2(\.|$)/.test(keepalivedVersion) ? 7 : 8;
}

/**
 * lbprov masks the password wherever it prints text: a single character cannot be told apart from
 * ordinary output, so it could be neither masked nor kept out of logs.
 */
const AUTH_PASS_MIN_LENGTH = 2;

export function checkAuthPassLength(
  value: string,
  keepalivedVersion: string | undefined,
): Problem | undefined {
  const limit = authPassLimit(keepalivedVersion);
  if (value.length < AUTH_PASS_MIN_LENGTH) {
    return {
      message: `is ${value.length} character; lbprov needs at least ${AUTH_PASS_MIN_LENGTH} to keep it out of its output`,
      hint: `choose a password of ${AUTH_PASS_MIN_LENGTH} to ${limit} characters`,
    };
  }
  if (value.length <= limit) return undefined;
  const rule =
    limit === 7
      ? `keepalived ${keepalivedVersion ?? '1.2.x'} uses at most 7 (later versions 8)`
      : 'keepalived uses at most 8 (7 for 1.2.x)';
  return {
    message: `is ${value.length} characters; ${rule} and silently cuts the rest`,
    hint: `choose a password of at most ${limit} characters`,
  };
}

/** The one rule for a VRRP password, wherever it comes from: the file, the environment or a prompt. */
export function checkAuthPass(value: string, keepalivedVersion: string | undefined): Problem | undefined {
  return checkAuthPassCharacters(value) ?? checkAuthPassLength(value, keepalivedVersion);
}

/**
 * The Redis password (redis.password). It is written as `requirepass <password>` into a file Redis
 * reads, and Redis splits its configuration lines itself: a space ends the word, quotes start a
 * quoted string and a backslash escapes inside one (and means something else again in YAML and
 * shells). Printable ASCII without those is read as written, with no quoting to get wrong.
 * Redis answers as fast as anyone can ask, so a short password is guessed quickly: 8 is the floor,
 * 128 keeps the line readable. Messages say which kind of character is wrong, never which character.
 */
export const REDIS_PASSWORD_MIN_LENGTH = 8;
export const REDIS_PASSWORD_MAX_LENGTH = 128;
const REDIS_PASSWORD_HINT = `choose ${REDIS_PASSWORD_MIN_LENGTH} to ${REDIS_PASSWORD_MAX_LENGTH} printable ASCII characters without spaces, quotes or backslashes, e.g. from \`openssl rand -base64 24\``;

export const checkRedisPassword: ShapeCheck = (value) => {
  if (value === '') return { message: 'is empty', hint: REDIS_PASSWORD_HINT };
  const misread = redisMisreads(value);
  if (misread !== undefined) {
    return { message: `contains ${misread}, which redis.conf would misread`, hint: REDIS_PASSWORD_HINT };
  }
  if (value.length < REDIS_PASSWORD_MIN_LENGTH) {
    return {
      message: `is ${value.length} character${value.length === 1 ? '' : 's'}; a Redis password needs at least ${REDIS_PASSWORD_MIN_LENGTH} (Redis answers as fast as an attacker can guess)`,
      hint: REDIS_PASSWORD_HINT,
    };
  }
  if (value.length > REDIS_PASSWORD_MAX_LENGTH) {
    return {
      message: `is ${value.length} characters; lbprov takes at most ${REDIS_PASSWORD_MAX_LENGTH}`,
      hint: REDIS_PASSWORD_HINT,
    };
  }
  return undefined;
};

function redisMisreads(value: string): string | undefined {
  if (/\s/.test(value)) return 'white space';
  if (/["']/.test(value)) return 'a quote';
  if (value.includes('\\')) return 'a backslash';
  if (!/^[\x21-\x7e]+$/.test(value)) return 'a control or non-ASCII character';
  return undefined;
}

export interface ParsedVip {
  address: string;
  prefix_length: number;
}

export function parseVip(value: string): ParsedVip | Problem {
  const hint = "an IPv4 address with the prefix length of the directors' subnet, e.g. 10.8.80.200/24";
  const match = /^([^/]+)\/(\d{1,2})$/.exec(value);
  if (!match) {
    return isIpv4(value)
      ? { message: `"${value}" has no prefix length`, hint }
      : { message: `"${value}" is not ADDRESS/PREFIX`, hint };
  }
  const [, address = '', prefix = ''] = match;
  const numeric = parseIpv4(address);
  if (numeric === undefined) return { message: `"${address}" is not a valid IPv4 address`, hint };
  const prefixLength = Number(prefix);
  if (prefixLength < 1 || prefixLength > 32) {
    return { message: `prefix length ${prefixLength} is outside 1-32`, hint };
  }
  const reason = nonUnicastReason(numeric);
  if (reason !== undefined) return { message: `${address} ${reason}`, hint };
  if (
    prefixLength <= 30 &&
    (numeric === networkAddress(numeric, prefixLength) || numeric === broadcastAddress(numeric, prefixLength))
  ) {
    return {
      message: `${address} is the network or broadcast address of its /${prefixLength} subnet`,
      hint: 'choose a free host address inside the subnet',
    };
  }
  return { address, prefix_length: prefixLength };
}

export const checkVip: ShapeCheck = (value) => {
  const parsed = parseVip(value);
  return 'message' in parsed ? parsed : undefined;
};
