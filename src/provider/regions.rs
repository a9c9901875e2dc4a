//! AWS's region names, as the SDK's endpoint partitions list them (aws, aws-cn, aws-us-gov,
//! the ISO partitions and the European Sovereign Cloud), so that a misspelt region is a
//! located error with the nearest names rather than a DNS failure minutes later.

pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-isoe-west-1",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "us-west-1",
    "us-west-2",
];

pub fn is_known(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// The known regions closest to `region` (at most three), nearest first.
pub fn nearest(region: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &str)> = REGIONS
        .iter()
        .map(|r| (strsim::levenshtein(region, r), *r))
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
}
