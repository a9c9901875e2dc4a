//! Rendering checked against terraform-provider-aws's own expectations: each test names the
//! acceptance test of `internal/service/iam/policy_document_data_source_test.go` whose
//! configuration it writes and whose expected JSON it compares byte for byte.

use super::document;
use crate::value::Value;
use serde_json::json;

fn render(config: serde_json::Value) -> String {
    document(&Value::from_json(&config)).unwrap().render(true)
}

fn error(config: serde_json::Value) -> String {
    document(&Value::from_json(&config)).unwrap_err().message
}

fn statement(sid: &str, actions: &[&str]) -> serde_json::Value {
    json!({"sid": sid, "actions": actions, "resources": ["*"]})
}

/// testAccPolicyDocumentConfig / testAccPolicyDocumentExpectedJSON and
/// testAccPolicyDocumentExpectedJSONMinified (TestAccIAMPolicyDocumentDataSource_basic):
/// reverse-sorted lists, `&{` policy variables, the wildcard principal normalised.
#[test]
fn basic_renders_as_the_provider() {
    let config = json!({
        "policy_id": "policy_id",
        "statement": [
            {"sid": "1", "actions": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "resources": ["arn:aws:s3:::*"]},
            {"actions": ["s3:ListBucket"], "resources": ["arn:aws:s3:::foo"],
             "condition": [{"test": "StringLike", "variable": "s3:prefix", "values": ["home/", "", "home/&{aws:username}/"]}],
             "not_principals": [{"type": "AWS", "identifiers": ["arn:blahblah:example"]}]},
            {"actions": ["s3:*"], "resources": ["arn:aws:s3:::foo/home/&{aws:username}", "arn:aws:s3:::foo/home/&{aws:username}/*"],
             "principals": [{"type": "AWS", "identifiers": ["arn:blahblah:example"]}]},
            {"effect": "Deny", "not_actions": ["s3:*"], "not_resources": ["arn:aws:s3:::*"]},
            {"effect": "Allow", "actions": ["kinesis:*"], "principals": [{"type": "AWS", "identifiers": ["*"]}]},
            {"effect": "Allow", "actions": ["firehose:*"], "principals": [{"type": "*", "identifiers": ["*"]}]},
        ]
    });
    let expected = r#"{
  "Version": "2012-10-17",
  "Id": "policy_id",
  "Statement": [
    {
      "Sid": "1",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::foo",
      "NotPrincipal": {
        "AWS": "arn:blahblah:example"
      },
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "home/",
            "",
            "home/${aws:username}/"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::foo/home/${aws:username}/*",
        "arn:aws:s3:::foo/home/${aws:username}"
      ],
      "Principal": {
        "AWS": "arn:blahblah:example"
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "s3:*",
      "NotResource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "kinesis:*",
      "Principal": {
        "AWS": "*"
      }
    },
    {
      "Effect": "Allow",
      "Action": "firehose:*",
      "Principal": "*"
    }
  ]
}"#;
    assert_eq!(render(config.clone()), expected);
    let minified = r#"{"Version":"2012-10-17","Id":"policy_id","Statement":[{"Sid":"1","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::foo","NotPrincipal":{"AWS":"arn:blahblah:example"},"Condition":{"StringLike":{"s3:prefix":["home/","","home/${aws:username}/"]}}},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::foo/home/${aws:username}/*","arn:aws:s3:::foo/home/${aws:username}"],"Principal":{"AWS":"arn:blahblah:example"}},{"Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::*"},{"Effect":"Allow","Action":"kinesis:*","Principal":{"AWS":"*"}},{"Effect":"Allow","Action":"firehose:*","Principal":"*"}]}"#;
    assert_eq!(
        document(&Value::from_json(&config)).unwrap().render(false),
        minified
    );
}

/// testAccPolicyDocumentDataSourceConfig_deprecated → testAccPolicyDocumentSourceExpectedJSON
/// (TestAccIAMPolicyDocumentDataSource_source): a rendered document as a source, its
/// principal list written back reverse-sorted, the new statement appended.
#[test]
fn source_document_statements_come_first() {
    let source = render(json!({
        "policy_id": "policy_id",
        "statement": [
            {"actions": ["s3:*"], "resources": ["arn:aws:s3:::foo/home/&{aws:username}"],
             "principals": [{"type": "AWS", "identifiers": ["arn:blahblah:example", "arn:blahblahblah:example"]}]},
        ]
    }));
    let merged = render(json!({
        "source_policy_documents": [source],
        "statement": [{"sid": "SourceJSONTest1", "actions": ["*"], "resources": ["*"]}],
    }));
    let expected = r#"{
  "Version": "2012-10-17",
  "Id": "policy_id",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "arn:aws:s3:::foo/home/${aws:username}",
      "Principal": {
        "AWS": [
          "arn:blahblahblah:example",
          "arn:blahblah:example"
        ]
      }
    },
    {
      "Sid": "SourceJSONTest1",
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}"#;
    assert_eq!(merged, expected);
}

/// testAccPolicyDocumentDataSourceConfig_list → testAccPolicyDocumentSourceListExpectedJSON
/// (TestAccIAMPolicyDocumentDataSource_sourceList), and _listConflicting's error
/// (TestAccIAMPolicyDocumentDataSource_sourceListConflicting).
#[test]
fn source_documents_merge_in_order_and_refuse_a_repeated_sid() {
    let a = render(json!({"statement": [
        {"sid": "", "effect": "Allow", "actions": ["foo:ActionOne"]},
        {"sid": "validSidOne", "effect": "Allow", "actions": ["bar:ActionOne"]},
    ]}));
    let b = render(
        json!({"statement": [{"sid": "validSidTwo", "effect": "Deny", "actions": ["foo:ActionTwo"]}]}),
    );
    let c = render(
        json!({"statement": [{"sid": "", "effect": "Allow", "actions": ["bar:ActionTwo"]}]}),
    );
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "foo:ActionOne"
    },
    {
      "Sid": "validSidOne",
      "Effect": "Allow",
      "Action": "bar:ActionOne"
    },
    {
      "Sid": "validSidTwo",
      "Effect": "Deny",
      "Action": "foo:ActionTwo"
    },
    {
      "Effect": "Allow",
      "Action": "bar:ActionTwo"
    }
  ]
}"#;
    let config = json!({"version": "2012-10-17", "source_policy_documents": [a.clone(), b, c]});
    assert_eq!(render(config), expected);
    let again = json!({"source_policy_documents": [a.clone(), a]});
    assert!(error(again).contains("duplicate Sid (validSidOne)"));
}

/// testAccPolicyDocumentDataSourceConfig_conflictingDeprecated →
/// testAccPolicyDocumentSourceConflictingExpectedJSON (TestAccIAMPolicyDocumentDataSource_sourceConflicting):
/// the configuration's statement replaces the source's of the same Sid.
#[test]
fn own_statement_replaces_the_sources_of_the_same_sid() {
    let source = render(json!({"statement": [statement("SourceJSONTestConflicting", &["iam:*"])]}));
    let merged = render(json!({
        "source_policy_documents": [source],
        "statement": [statement("SourceJSONTestConflicting", &["*"])],
    }));
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "SourceJSONTestConflicting",
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}"#;
    assert_eq!(merged, expected);
}

/// testAccPolicyDocumentDataSourceConfig_overrideList → testAccPolicyDocumentOverrideListExpectedJSON
/// (TestAccIAMPolicyDocumentDataSource_overrideList), and _overrideDeprecated →
/// testAccPolicyDocumentOverrideExpectedJSON (TestAccIAMPolicyDocumentDataSource_override).
#[test]
fn override_documents_replace_by_sid_in_place() {
    let a = render(json!({"statement": [
        {"sid": "", "effect": "Allow", "actions": ["foo:ActionOne"]},
        {"sid": "overrideSid", "effect": "Allow", "actions": ["bar:ActionOne"]},
    ]}));
    let b = render(
        json!({"statement": [{"sid": "validSid", "effect": "Deny", "actions": ["foo:ActionTwo"]}]}),
    );
    let c = render(
        json!({"statement": [{"sid": "overrideSid", "effect": "Deny", "actions": ["bar:ActionOne"]}]}),
    );
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "foo:ActionOne"
    },
    {
      "Sid": "overrideSid",
      "Effect": "Deny",
      "Action": "bar:ActionOne"
    },
    {
      "Sid": "validSid",
      "Effect": "Deny",
      "Action": "foo:ActionTwo"
    }
  ]
}"#;
    let config = json!({"version": "2012-10-17", "override_policy_documents": [a, b, c]});
    assert_eq!(render(config), expected);

    let over = render(json!({"statement": [statement("SidToOverwrite", &["s3:*"])]}));
    let merged = render(json!({
        "override_policy_documents": [over],
        "statement": [
            {"actions": ["ec2:*"], "resources": ["*"]},
            {"sid": "SidToOverwrite", "actions": ["s3:*"], "resources": ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"]},
        ],
    }));
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverwrite",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    }
  ]
}"#;
    assert_eq!(merged, expected);
}

/// testAccPolicyDocumentDataSourceConfig_noStatementMergeDeprecated / _noStatementOverrideDeprecated
/// (TestAccIAMPolicyDocumentDataSource_noStatementMerge, _noStatementOverride).
#[test]
fn source_and_override_without_own_statements() {
    let source = render(json!({"statement": [statement("", &["ec2:DescribeAccountAttributes"])]}));
    let over = render(json!({"statement": [statement("OverridePlaceholder", &["s3:GetObject"])]}));
    let merged = render(
        json!({"source_policy_documents": [source], "override_policy_documents": [over.clone()]}),
    );
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:DescribeAccountAttributes",
      "Resource": "*"
    },
    {
      "Sid": "OverridePlaceholder",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    }
  ]
}"#;
    assert_eq!(merged, expected);
    let source = render(
        json!({"statement": [statement("OverridePlaceholder", &["ec2:DescribeAccountAttributes"])]}),
    );
    let merged =
        render(json!({"source_policy_documents": [source], "override_policy_documents": [over]}));
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OverridePlaceholder",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    }
  ]
}"#;
    assert_eq!(merged, expected);
}

/// testAccPolicyDocumentDataSourceConfig_duplicateSid / _duplicateBlankSid
/// (TestAccIAMPolicyDocumentDataSource_duplicateSid).
#[test]
fn a_repeated_sid_is_refused_but_blank_sids_repeat() {
    let dup = json!({"statement": [statement("1", &["ec2:DescribeAccountAttributes"]), statement("1", &["s3:GetObject"])]});
    assert!(error(dup).contains("duplicate Sid (1)"));
    let blank = json!({"statement": [statement("", &["ec2:DescribeAccountAttributes"]), statement("", &["s3:GetObject"])]});
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:DescribeAccountAttributes",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    }
  ]
}"#;
    assert_eq!(render(blank), expected);
}

/// testAccPolicyDocumentDataSourceConfig_version20081017 and its Conversion* configurations
/// (TestAccIAMPolicyDocumentDataSource_version20081017).
#[test]
fn version_2008_has_no_policy_variables() {
    let ok =
        json!({"version": "2008-10-17", "statement": [{"actions": ["ec2:*"], "resources": ["*"]}]});
    let expected = r#"{
  "Version": "2008-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    }
  ]
}"#;
    assert_eq!(render(ok), expected);
    for st in [
        json!({"actions": ["*"], "resources": ["*"], "condition": [{"test": "StringLike", "variable": "s3:prefix", "values": ["home/", "home/&{aws:username}/"]}]}),
        json!({"actions": ["*"], "resources": ["*"], "not_principals": [{"type": "AWS", "identifiers": ["&{aws:username}"]}]}),
        json!({"actions": ["*"], "not_resources": ["arn:aws:s3:::foo/home/&{aws:username}"]}),
        json!({"actions": ["*"], "resources": ["*"], "principals": [{"type": "AWS", "identifiers": ["&{aws:username}"]}]}),
        json!({"actions": ["*"], "resources": ["arn:aws:s3:::foo/home/&{aws:username}"]}),
    ] {
        let e = error(json!({"version": "2008-10-17", "statement": [st]}));
        assert!(
            e.contains("which is not supported in document version 2008-10-17"),
            "{e}"
        );
    }
}

/// testAccPolicyDocumentDataSourceConfig_statementPrincipalIdentifiersStringAndSlice and
/// _statementPrincipalIdentifiersMultiplePrincipals (TestAccIAMPolicyDocumentDataSource_
/// statementPrincipalIdentifiers_stringAndSlice, _multiplePrincipals, _multiplePrincipalsGov):
/// blocks of one type gathered in terraform-plugin-sdk's set order, which hangs on the
/// identifiers' text, so the commercial and GovCloud partitions order them differently.
#[test]
fn principals_of_one_type_gather_in_the_sdks_set_order() {
    let arn = |p: &str, n: &str| format!("arn:{p}:iam::{n}:root");
    let principals = |blocks: Vec<Vec<String>>| {
        let blocks: Vec<_> = blocks
            .into_iter()
            .map(|ids| json!({"type": "AWS", "identifiers": ids}))
            .collect();
        json!({"statement": [{"actions": ["*"], "resources": ["*"], "sid": "StatementPrincipalIdentifiersStringAndSlice", "principals": blocks}]})
    };
    let expected = |ids: Vec<String>| {
        let ids: Vec<String> = ids.iter().map(|i| format!("          \"{i}\"")).collect();
        format!(
            "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \"Sid\": \"StatementPrincipalIdentifiersStringAndSlice\",\n      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\",\n      \"Principal\": {{\n        \"AWS\": [\n{}\n        ]\n      }}\n    }}\n  ]\n}}",
            ids.join(",\n")
        )
    };
    let p = "aws";
    let string_and_slice = principals(vec![
        vec![arn(p, "111111111111")],
        vec![arn(p, "222222222222"), arn(p, "333333333333")],
    ]);
    assert_eq!(
        render(string_and_slice),
        expected(vec![
            arn(p, "111111111111"),
            arn(p, "333333333333"),
            arn(p, "222222222222")
        ])
    );
    for (p, order) in [
        (
            "aws",
            [
                "333333333333",
                "444444444444",
                "222222222222",
                "111111111111",
            ],
        ),
        (
            "aws-us-gov",
            [
                "333333333333",
                "222222222222",
                "111111111111",
                "444444444444",
            ],
        ),
    ] {
        let multiple = principals(vec![
            vec![arn(p, "111111111111"), arn(p, "222222222222")],
            vec![arn(p, "333333333333")],
            vec![arn(p, "444444444444")],
        ]);
        let want = order.iter().map(|n| arn(p, n)).collect();
        assert_eq!(render(multiple), expected(want), "partition {p}");
    }
}

/// testAccPolicyDocumentDataSourceConfig_singleConditionValue, _multipleConditionKeys and
/// _duplicateConditionKeys (TestAccIAMPolicyDocumentDataSource_singleConditionValue,
/// _multipleConditionKeys, _duplicateConditionKeys; the last two compare as JSON).
#[test]
fn conditions_group_by_test_and_key() {
    let single = json!({"statement": [{"effect": "Deny", "principals": [{"type": "AWS", "identifiers": ["*"]}],
        "actions": ["elasticfilesystem:*"], "resources": ["*"],
        "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}]});
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Deny",
      "Action": "elasticfilesystem:*",
      "Resource": "*",
      "Principal": {
        "AWS": "*"
      },
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "false"
        }
      }
    }
  ]
}"#;
    assert_eq!(render(single), expected);
    let cloudtrail = |conditions: serde_json::Value| {
        let doc = render(
            json!({"statement": [{"sid": "X", "principals": [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}],
            "actions": ["s3:PutObject"], "resources": ["*"], "condition": conditions}]}),
        );
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
        doc["Statement"][0]["Condition"].clone()
    };
    let keys = cloudtrail(json!([
        {"test": "StringEquals", "variable": "s3:x-amz-acl", "values": ["bucket-owner-full-control"]},
        {"test": "StringEquals", "variable": "aws:SourceArn", "values": ["some-other-value"]},
    ]));
    assert_eq!(
        keys,
        json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": "some-other-value"}})
    );
    let dup = cloudtrail(json!([
        {"test": "StringEquals", "variable": "s3:prefix", "values": ["one/", "two/"]},
        {"test": "StringEquals", "variable": "s3:prefix", "values": ["three/"]},
    ]));
    assert_eq!(
        dup,
        json!({"StringEquals": {"s3:prefix": ["one/", "two/", "three/"]}})
    );
}

/// testAccPolicyDocumentConfig_conditionWithBoolValue (TestAccIAMPolicyDocumentDataSource_
/// conditionWithBoolValue, compared as JSON): a source's boolean condition value becomes its
/// text, a one-element list a bare string.
#[test]
fn a_sources_boolean_condition_becomes_text() {
    let source = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "RestrictAccessToSpecialTag", "Effect": "Deny",
        "Action": ["ec2:CreateTags", "ec2:DeleteTags"], "Resource": "arn:aws:ec2:*:*:vpc/*",
        "Condition": {"Null": {"aws:ResourceTag/SpecialTag": false},
                      "StringLike": {"aws:ResourceAccount": ["123456"], "aws:PrincipalArn": "arn:aws:iam::*:role/AWSAFTExecution"}}}]}"#;
    let doc = render(json!({"source_policy_documents": [source]}));
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(
        doc["Statement"][0]["Condition"],
        json!({"Null": {"aws:ResourceTag/SpecialTag": "false"},
               "StringLike": {"aws:ResourceAccount": "123456", "aws:PrincipalArn": "arn:aws:iam::*:role/AWSAFTExecution"}})
    );
    assert_eq!(
        doc["Statement"][0]["Action"],
        json!(["ec2:CreateTags", "ec2:DeleteTags"])
    );
}

/// testAccPolicyDocumentDataSourceConfig_emptyString / _invalidJSON and the override ones
/// (TestAccIAMPolicyDocumentDataSource_sourcePolicyDocument_emptyString etc.): an empty
/// document is skipped, an invalid one is an error naming it.
#[test]
fn an_empty_document_is_skipped_and_an_invalid_one_named() {
    let expected = "{\n  \"Version\": \"2012-10-17\"\n}";
    assert_eq!(render(json!({"source_policy_documents": [""]})), expected);
    assert_eq!(render(json!({"override_policy_documents": [""]})), expected);
    let e = error(json!({"source_policy_documents": ["{"]}));
    assert!(e.contains("source_policy_documents document 0"), "{e}");
    let e = error(json!({"override_policy_documents": ["{"]}));
    assert!(e.contains("override_policy_documents document 0"), "{e}");
}

/// Not in the provider's tests: what Go's encoder does that serde_json does not (HTML
/// characters escaped), and a numeric condition value, which the provider drops silently.
#[test]
fn go_escaping_and_a_numeric_condition() {
    let doc = render(
        json!({"statement": [{"actions": ["s3:Get*"], "resources": ["arn:aws:s3:::a<b>&c"]}]}),
    );
    assert!(
        doc.contains(r#""Resource": "arn:aws:s3:::a\u003cb\u003e\u0026c""#),
        "{doc}"
    );
    let source = r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}}]}"#;
    let e = error(json!({"source_policy_documents": [source]}));
    assert!(e.contains("would silently drop this condition"), "{e}");
}

/// Regression: a sid with spaces ("Enable IAM User Permissions", the KMS key policy every
/// rds-aurora example writes) was refused as "not only letters and digits"; the provider
/// takes any sid, and IAM judges it only where a policy is attached.
#[test]
fn a_sid_with_spaces_was_refused() {
    let config = Value::from_json(
        &json!({"statement": [statement("Enable IAM User Permissions", &["kms:*"])]}),
    );
    assert!(super::SCHEMA.problems(&config).is_empty());
    assert!(
        render(json!({"statement": [statement("Enable IAM User Permissions", &["kms:*"])]}))
            .contains("\"Sid\": \"Enable IAM User Permissions\"")
    );
}
