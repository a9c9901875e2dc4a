//! AWS's regions and partitions, as the SDK's endpoint partitions list them (aws, aws-cn,
//! aws-us-gov, the ISO partitions and the European Sovereign Cloud): a misspelt region is a
//! located error with the nearest names rather than a DNS failure minutes later, and the meta
//! data sources (`aws_partition`, `aws_region`, `aws_service_principal`) answer from here
//! without calling AWS, as terraform-provider-aws answers from the same partition data.

/// One partition: its id (the ARN's second field) and its DNS suffix.
#[derive(Debug, PartialEq, Eq)]
pub struct Partition {
    pub id: &'static str,
    pub dns_suffix: &'static str,
    /// The prefix of a region name outside the table that still belongs here (the SDK's
    /// region regex); the commercial partition takes whatever no other claims.
    prefix: &'static str,
}

impl Partition {
    /// The DNS suffix read backwards (`com.amazonaws`), as service principals of some
    /// services and reverse-DNS names use it.
    pub fn reverse_dns_prefix(&self) -> String {
        self.dns_suffix.rsplit('.').collect::<Vec<_>>().join(".")
    }
}

/// Longer prefixes first: `us-isob-` before `us-iso-`.
pub const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        prefix: "cn-",
    },
    Partition {
        id: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        prefix: "eusc-",
    },
    Partition {
        id: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        prefix: "us-isob-",
    },
    Partition {
        id: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        prefix: "eu-isoe-",
    },
    Partition {
        id: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        prefix: "us-isof-",
    },
    Partition {
        id: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        prefix: "us-iso-",
    },
    Partition {
        id: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        prefix: "us-gov-",
    },
    Partition {
        id: "aws",
        dns_suffix: "amazonaws.com",
        prefix: "",
    },
];

/// Every region: its name and description ("US East (N. Virginia)").
pub const REGIONS: &[(&str, &str)] = &[
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-east-2", "Asia Pacific (Taipei)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)"),
    ("ap-southeast-6", "Asia Pacific (New Zealand)"),
    ("ap-southeast-7", "Asia Pacific (Thailand)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("cn-north-1", "China (Beijing)"),
    ("cn-northwest-1", "China (Ningxia)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-isoe-west-1", "EU ISOE West"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("eusc-de-east-1", "AWS European Sovereign Cloud (Germany)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-central-1", "Middle East (UAE)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (Sao Paulo)"),
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-gov-east-1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "AWS GovCloud (US-West)"),
    ("us-iso-east-1", "US ISO East"),
    ("us-iso-west-1", "US ISO WEST"),
    ("us-isob-east-1", "US ISOB East (Ohio)"),
    ("us-isob-west-1", "US ISOB West"),
    ("us-isof-east-1", "US ISOF EAST"),
    ("us-isof-south-1", "US ISOF SOUTH"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
];

pub fn is_known(region: &str) -> bool {
    REGIONS.iter().any(|(name, _)| *name == region)
}

/// The description of a known region ("US East (N. Virginia)").
pub fn description(region: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(name, _)| *name == region)
        .map(|(_, d)| *d)
}

/// The partition a region belongs to, by the SDK's region patterns; `aws` for a name no
/// other partition claims.
pub fn partition(region: &str) -> &'static Partition {
    PARTITIONS
        .iter()
        .find(|p| region.starts_with(p.prefix))
        .unwrap_or(&PARTITIONS[PARTITIONS.len() - 1])
}

/// The known regions closest to `region` (at most three), nearest first.
pub fn nearest(region: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &str)> = REGIONS
        .iter()
        .map(|(r, _)| (strsim::levenshtein(region, r), *r))
        .filter(|(d, _)| *d <= 4)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_misspelt_region_has_near_matches() {
        assert!(super::is_known("eu-west-1"));
        assert!(!super::is_known("eu-wst-1"));
        assert_eq!(super::nearest("eu-wst-1")[0], "eu-west-1");
        assert_eq!(super::nearest("us-east-l")[0], "us-east-1");
        assert!(super::nearest("mars-north-9").is_empty());
    }

    /// The partitions terraform-provider-aws's acceptance tests name (partition_data_source_test,
    /// service_principal_data_source_test): commercial, China, GovCloud, the ISO clouds.
    #[test]
    fn a_region_belongs_to_its_partition() {
        use super::partition;
        let p = partition("us-east-1");
        assert_eq!((p.id, p.dns_suffix), ("aws", "amazonaws.com"));
        assert_eq!(p.reverse_dns_prefix(), "com.amazonaws");
        let cn = partition("cn-north-1");
        assert_eq!((cn.id, cn.dns_suffix), ("aws-cn", "amazonaws.com.cn"));
        assert_eq!(cn.reverse_dns_prefix(), "cn.com.amazonaws");
        assert_eq!(partition("us-gov-west-1").id, "aws-us-gov");
        assert_eq!(partition("us-gov-west-1").dns_suffix, "amazonaws.com");
        assert_eq!(
            partition("us-iso-east-1").reverse_dns_prefix(),
            "gov.ic.c2s"
        );
        assert_eq!(partition("us-isob-east-1").id, "aws-iso-b");
        assert_eq!(partition("us-isof-south-1").id, "aws-iso-f");
        assert_eq!(partition("eu-isoe-west-1").id, "aws-iso-e");
        assert_eq!(partition("eusc-de-east-1").id, "aws-eusc");
        // A region newer than the table still gets its partition from its name.
        assert_eq!(partition("cn-south-9").id, "aws-cn");
        assert_eq!(partition("ap-future-1").id, "aws");
        assert_eq!(
            super::description("us-east-1"),
            Some("US East (N. Virginia)")
        );
        assert_eq!(super::description("mars-north-9"), None);
    }
}
