/**
 * Ports of cryptocurrency networks, for the CryptoCurrency:EC2/BitcoinTool.B port heuristic: without a
 * mining feed, a long-lived outbound connection to one of these ports on an internet host is how a miner
 * (or a full node) looks in flow logs.
 *
 * Two kinds, both in the default of the `stratumPorts` setting of the `ec2-threat-intel` detector:
 * - peer-to-peer ports fixed by the protocols' reference implementations (stable facts): Bitcoin 8333
 *   (bitcoin/bitcoin chainparams, `nDefaultPort`), Litecoin 9333 (litecoin chainparams), Monero 18080 (P2P)
 *   and 18081 (RPC) (monero-project/monero `src/cryptonote_config.h`), Ethereum 30303 (the devp2p default
 *   listening port of geth and the other execution clients);
 * - stratum ports that mining pools have used by convention for a decade (3333 is the de facto stratum
 *   port of pool examples and miner configurations; 14444/14433 are nanopool's plain/TLS Monero ports).
 *   Conventions, not standards: other software can use them, which is why the heuristic also requires a
 *   sustained connection.
 *
 * 4444, 5555, 7777 and 9999 are common pool ports too but are also defaults of unrelated software
 * (Metasploit, adb, game servers); they are left out of the default and can be added per deployment.
 */

export interface CryptoPort {
  readonly port: number;
  readonly use: string;
}

export const CRYPTO_PORTS: readonly CryptoPort[] = Object.freeze([
  { port: 3333, use: 'stratum mining (de facto default)' },
  { port: 8333, use: 'Bitcoin P2P' },
  { port: 9333, use: 'Litecoin P2P' },
  { port: 14433, use: 'stratum over TLS (nanopool)' },
  { port: 14444, use: 'stratum (nanopool)' },
  { port: 18080, use: 'Monero P2P' },
  { port: 18081, use: 'Monero RPC' },
  { port: 30303, use: 'Ethereum devp2p' },
]);

/** The default value of the `stratumPorts` setting: the ports above, comma-separated. */
export const DEFAULT_CRYPTO_PORT_LIST = CRYPTO_PORTS.map((p) => p.port).join(',');

const BY_PORT: ReadonlyMap<number, CryptoPort> = new Map(CRYPTO_PORTS.map((p) => [p.port, p]));

/** What a port is known for, if it is one of the curated crypto ports. */
export function cryptoPortUse(port: number): string | undefined {
  return BY_PORT.get(port)?.use;
}
