//! ClickPipes' static egress (NAT) addresses per cloud provider and region, embedded from the
//! ClickHouse docs (`clickpipes/ips.json`, see its `source`), and the addresses that outdated
//! copies of that list got wrong.
//!
//! ClickPipes publishes single addresses only; in `pg_hba.conf` terms each is a `/32`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use ipnetwork::IpNetwork;
use serde::Deserialize;

const IPS_JSON: &str = include_str!("clickpipes/ips.json");

/// The cloud a ClickPipes region runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    Aws,
    Gcp,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Gcp => "gcp",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ClickPipes region and the addresses its pipes connect from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub provider: Provider,
    /// The provider's region name, e.g. `eu-central-1` or `us-east1`.
    pub name: String,
    /// In the order the docs list them.
    pub ips: Vec<IpAddr>,
}

/// The whole embedded list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressIps {
    /// Where the list was copied from (document and commit).
    pub source: String,
    /// Sorted by provider, then name.
    pub regions: Vec<Region>,
}

/// An address that an outdated copy of the list names but that never carries ClickPipes
/// traffic (clickpipes research notes §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleAddress {
    pub ip: &'static str,
    pub region: &'static str,
    /// What the region's current list has instead.
    pub replaced_by: &'static [&'static str],
    pub why: &'static str,
}

/// Jakarta's old three: proxy load-balancer (ingress) addresses listed as egress until
/// ClickHouse/ClickHouse#113109 and clickhouse-docs#6610 (2026-08-03).
pub const STALE_ADDRESSES: &[StaleAddress] = &[
    StaleAddress {
        ip: "16.78.153.162",
        region: "ap-southeast-3",
        replaced_by: JAKARTA_NEW,
        why: JAKARTA_WHY,
    },
    StaleAddress {
        ip: "16.79.6.125",
        region: "ap-southeast-3",
        replaced_by: JAKARTA_NEW,
        why: JAKARTA_WHY,
    },
    StaleAddress {
        ip: "108.137.52.155",
        region: "ap-southeast-3",
        replaced_by: JAKARTA_NEW,
        why: JAKARTA_WHY,
    },
];

const JAKARTA_NEW: &[&str] = &["15.232.6.147", "15.232.46.145", "108.137.199.68"];
const JAKARTA_WHY: &str = "listed for ap-southeast-3 (Jakarta) in copies of the ClickPipes \
    static IP page before August 2026; it is a proxy load-balancer (ingress) address and never \
    carries ClickPipes egress";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    source: String,
    aws: BTreeMap<String, Vec<String>>,
    gcp: BTreeMap<String, Vec<String>>,
}

/// Why the embedded list could not be read; only a bad edit of `ips.json` causes this.
#[derive(Debug)]
pub struct InvalidIpList(String);

impl fmt::Display for InvalidIpList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "embedded ClickPipes IP list is invalid: {}", self.0)
    }
}

impl std::error::Error for InvalidIpList {}

impl EgressIps {
    /// Reads a list in the shape of `ips.json`.
    pub fn parse(json: &str) -> Result<Self, InvalidIpList> {
        let raw: RawList = serde_json::from_str(json).map_err(|e| InvalidIpList(e.to_string()))?;
        let mut regions = Vec::new();
        for (provider, map) in [(Provider::Aws, raw.aws), (Provider::Gcp, raw.gcp)] {
            for (name, nets) in map {
                let mut ips = Vec::with_capacity(nets.len());
                for text in nets {
                    let net: IpNetwork = text
                        .parse()
                        .map_err(|e| InvalidIpList(format!("{name}: {text}: {e}")))?;
                    if net.prefix() != max_prefix(net.ip()) {
                        return Err(InvalidIpList(format!(
                            "{name}: {net} is not a single address"
                        )));
                    }
                    ips.push(net.ip());
                }
                regions.push(Region {
                    provider,
                    name,
                    ips,
                });
            }
        }
        Ok(EgressIps {
            source: raw.source,
            regions,
        })
    }

    /// The region with this name (ASCII case-insensitive), with or without a `aws/` or `gcp/`
    /// prefix.
    pub fn region(&self, name: &str) -> Option<&Region> {
        let name = name.trim();
        let (provider, name) = match name.split_once(['/', ':']) {
            Some((p, n)) => (Some(p), n),
            None => (None, name),
        };
        self.regions.iter().find(|r| {
            r.name.eq_ignore_ascii_case(name)
                && provider.is_none_or(|p| r.provider.as_str().eq_ignore_ascii_case(p))
        })
    }

    /// Every distinct address of every region.
    pub fn all_ips(&self) -> BTreeSet<IpAddr> {
        self.regions
            .iter()
            .flat_map(|r| r.ips.iter().copied())
            .collect()
    }

    /// The regions whose list contains `ip` (us-east-1 shares three with us-east-2).
    pub fn regions_of(&self, ip: IpAddr) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(move |r| r.ips.contains(&ip))
    }

    /// The region names closest to `input`, for "did you mean".
    pub fn closest_region(&self, input: &str) -> Option<&Region> {
        let input = input.to_ascii_lowercase();
        self.regions
            .iter()
            .map(|r| (strsim::jaro_winkler(&input, &r.name), r))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, r)| r)
    }
}

/// The embedded list, parsed on first use.
pub fn egress_ips() -> &'static EgressIps {
    static LIST: OnceLock<EgressIps> = OnceLock::new();
    LIST.get_or_init(|| match EgressIps::parse(IPS_JSON) {
        Ok(list) => list,
        // The file is part of the crate and a test parses it, so this cannot happen at run time.
        Err(e) => panic!("{e}"),
    })
}

/// The stale-list entry for `ip`, if it is one.
pub fn stale_address(ip: IpAddr) -> Option<&'static StaleAddress> {
    StaleAddresses::get().find(ip)
}

/// [`STALE_ADDRESSES`] parsed, for asking of many addresses: PG4007 asks of every record's
/// address, and parsing the strings each time was most of that rule.
pub struct StaleAddresses {
    parsed: Vec<Option<IpAddr>>,
    /// The span of the IPv4 entries (empty when there is none): nearly every address asked
    /// is IPv4 and far from them, ruled out in two comparisons where comparing it with each
    /// entry was ~30 instructions.
    v4_span: RangeInclusive<u32>,
}

impl StaleAddresses {
    /// Parsed on first use.
    pub fn get() -> &'static StaleAddresses {
        static PARSED: OnceLock<StaleAddresses> = OnceLock::new();
        PARSED.get_or_init(|| {
            let parsed: Vec<Option<IpAddr>> =
                STALE_ADDRESSES.iter().map(|s| s.ip.parse().ok()).collect();
            let v4 = parsed.iter().filter_map(|a| match a {
                Some(IpAddr::V4(v4)) => Some(u32::from(*v4)),
                _ => None,
            });
            let v4_span = v4.clone().min().unwrap_or(1)..=v4.max().unwrap_or(0);
            StaleAddresses { parsed, v4_span }
        })
    }

    /// The stale-list entry for `ip`, if it is one.
    #[inline]
    pub fn find(&self, ip: IpAddr) -> Option<&'static StaleAddress> {
        if let IpAddr::V4(v4) = ip
            && !self.v4_span.contains(&u32::from(v4))
        {
            return None;
        }
        STALE_ADDRESSES
            .iter()
            .zip(&self.parsed)
            .find_map(|(stale, addr)| (*addr == Some(ip)).then_some(stale))
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn embedded_list_parses_with_the_documented_counts() {
        let list = EgressIps::parse(IPS_JSON).expect("embedded list");
        let aws = list
            .regions
            .iter()
            .filter(|r| r.provider == Provider::Aws)
            .count();
        let gcp = list
            .regions
            .iter()
            .filter(|r| r.provider == Provider::Gcp)
            .count();
        assert_eq!((aws, gcp), (20, 11));
        let entries: usize = list.regions.iter().map(|r| r.ips.len()).sum();
        assert_eq!(entries, 178);
        assert_eq!(list.all_ips().len(), 175);
        assert!(list.source.contains("static-ips"));
    }

    #[test]
    fn lookup_by_name_and_address() {
        let list = egress_ips();
        let frankfurt = list.region("EU-Central-1").expect("eu-central-1");
        assert_eq!(frankfurt.provider, Provider::Aws);
        assert!(frankfurt.ips.contains(&ip("52.28.148.40")));
        assert_eq!(
            list.region("gcp/us-east1").map(|r| r.provider),
            Some(Provider::Gcp)
        );
        assert_eq!(list.region("aws/us-east1"), None);
        assert_eq!(list.region("mars-1"), None);
        let shared: Vec<_> = list
            .regions_of(ip("3.131.130.196"))
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(shared, ["us-east-1", "us-east-2"]);
        assert_eq!(
            list.closest_region("eu-central1").map(|r| r.name.as_str()),
            Some("eu-central-1")
        );
    }

    #[test]
    fn stale_jakarta_addresses_are_not_current_and_their_replacements_are() {
        let list = egress_ips();
        let jakarta = list.region("ap-southeast-3").expect("jakarta");
        for stale in STALE_ADDRESSES {
            assert!(
                !list.all_ips().contains(&ip(stale.ip)),
                "{} is current",
                stale.ip
            );
            assert_eq!(stale_address(ip(stale.ip)), Some(stale));
            for new in stale.replaced_by {
                assert!(
                    jakarta.ips.contains(&ip(new)),
                    "{new} not in {}",
                    stale.region
                );
            }
        }
        assert_eq!(stale_address(ip("15.232.6.147")), None);
    }

    #[test]
    fn rejects_ranges_and_unknown_fields() {
        let range = r#"{"source":"x","aws":{"r":["10.0.0.0/8"]},"gcp":{}}"#;
        assert!(EgressIps::parse(range).is_err());
        let extra = r#"{"source":"x","aws":{},"gcp":{},"azure":{}}"#;
        assert!(EgressIps::parse(extra).is_err());
    }
}
