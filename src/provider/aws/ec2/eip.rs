//! `aws_eip`: an Elastic IP address in a VPC, associated with an instance or a network
//! interface when one is given. AWS refuses to release an address while a NAT gateway being
//! deleted still holds it: the release is retried, so a destroy that deletes the gateway first
//! finishes in one run.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{Address, DomainType, ResourceType as Ec2Kind};

use super::network;

pub struct Eip;
pub static EIP: Eip = Eip;

const GONE: &[&str] = &["InvalidAllocationID.NotFound", "InvalidAddress.NotFound"];

/// What ReleaseAddress answers while the address is still associated (a NAT gateway still
/// deleting holds it).
const IN_USE: &[&str] = &["InvalidIPAddress.InUse", "AuthFailure"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An Elastic IP address.";
        regional;
        id                        string output "The allocation id.";
        arn                       string output;
        allocation_id             string output;
        association_id            string output;
        domain                    string computed force_new one_of(&["vpc", "standard"]);
        address                   string force_new "An address to recover (BYOIP).";
        public_ipv4_pool          string computed force_new;
        customer_owned_ipv4_pool  string force_new;
        network_border_group      string computed force_new;
        ipam_pool_id              string force_new;
        instance                  string computed conflicts_with(&["network_interface"]);
        network_interface         string computed;
        associate_with_private_ip string;
        public_ip                 string output;
        private_ip                string output;
        public_dns                string output;
        private_dns               string output;
        customer_owned_ip         string output;
        carrier_ip                string output;
        ptr_record                string output;
        tags;
        timeouts read(15) update(5) delete(3);
    }
});

/// EC2's DNS names of an address, as the provider derives them.
fn dns_names(
    region: &str,
    public: Option<&str>,
    private: Option<&str>,
) -> (Option<String>, Option<String>) {
    let dashed = |ip: &str| ip.replace('.', "-");
    let public = public.map(|ip| match region {
        "us-east-1" => format!("ec2-{}.compute-1.amazonaws.com", dashed(ip)),
        r => format!("ec2-{}.{r}.compute.amazonaws.com", dashed(ip)),
    });
    let private = private.map(|ip| match region {
        "us-east-1" => format!("ip-{}.ec2.internal", dashed(ip)),
        r => format!("ip-{}.{r}.compute.internal", dashed(ip)),
    });
    (public, private)
}

fn state_of(ctx: &Ctx, a: &Address, owner: &str) -> Value {
    let id = a.allocation_id().unwrap_or_default();
    let (public_dns, private_dns) = dns_names(ctx.region(), a.public_ip(), a.private_ip_address());
    let m = object! {
        "id" => id,
        "arn" => network::arn(ctx, owner, "elastic-ip", id),
        "allocation_id" => id,
        "association_id" => a.association_id(),
        "domain" => a.domain().map(|d| d.as_str()),
        "public_ipv4_pool" => a.public_ipv4_pool(),
        "customer_owned_ipv4_pool" => a.customer_owned_ipv4_pool(),
        "network_border_group" => a.network_border_group(),
        "instance" => a.instance_id().unwrap_or_default(),
        "network_interface" => a.network_interface_id().unwrap_or_default(),
        "public_ip" => a.public_ip(),
        "private_ip" => a.private_ip_address(),
        "public_dns" => public_dns,
        "private_dns" => private_dns,
        "customer_owned_ip" => a.customer_owned_ip(),
        "carrier_ip" => a.carrier_ip(),
        "ptr_record" => "",
    };
    network::with_tags(ctx, m, a.tags())
}

impl Eip {
    /// Associates the address with the planned instance or interface, if any.
    async fn associate(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<()> {
        let instance = obj::string(planned, "instance").filter(|s| !s.is_empty());
        let eni = obj::string(planned, "network_interface").filter(|s| !s.is_empty());
        if instance.is_none() && eni.is_none() {
            return Ok(());
        }
        let call = ctx
            .ec2()
            .associate_address()
            .allocation_id(id)
            .set_instance_id(instance)
            .set_network_interface_id(eni)
            .set_private_ip_address(obj::string(planned, "associate_with_private_ip"));
        network::send(call.send(), &format!("associating address {id}")).await
    }

    async fn disassociate(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let Some(assoc) = obj::string(prior, "association_id").filter(|s| !s.is_empty()) else {
            return Ok(());
        };
        let call = ctx.ec2().disassociate_address().association_id(&assoc);
        let sent = call
            .send()
            .await
            .during(&format!("disassociating address {assoc}"));
        unless(sent, &["InvalidAssociationID.NotFound"]).map(drop)
    }
}

#[async_trait]
impl ResourceType for Eip {
    named!("aws_eip", SCHEMA);

    /// One DescribeAddresses (by an allocation-id filter: it never fails on a released one).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let mut found = Vec::new();
        for chunk in ids.chunks(super::DESCRIBE_CHUNK) {
            let call = ctx
                .ec2()
                .describe_addresses()
                .filters(network::filter("allocation-id", chunk));
            found.extend(
                call.send()
                    .await
                    .during("describing addresses")?
                    .addresses
                    .unwrap_or_default(),
            );
        }
        if found.is_empty() {
            return Ok(BTreeMap::new());
        }
        let owner = ctx.account_id().await?;
        Ok(state::by_id(
            found,
            |a| a.allocation_id(),
            |a| state_of(ctx, &a, &owner),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let domain = obj::str(planned, "domain").unwrap_or("vpc");
        let call = ctx
            .ec2()
            .allocate_address()
            .domain(DomainType::from(domain))
            .set_address(obj::string(planned, "address"))
            .set_public_ipv4_pool(obj::string(planned, "public_ipv4_pool"))
            .set_customer_owned_ipv4_pool(obj::string(planned, "customer_owned_ipv4_pool"))
            .set_network_border_group(obj::string(planned, "network_border_group"))
            .set_ipam_pool_id(obj::string(planned, "ipam_pool_id"))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::ElasticIp));
        let out = call
            .send()
            .await
            .during("allocating an Elastic IP address")?;
        let id = network::created(out.allocation_id(), "AllocateAddress")?.to_string();
        self.associate(ctx, &id, planned).await?;
        state::read_back(ctx, &EIP, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let moved = ["instance", "network_interface", "associate_with_private_ip"]
            .iter()
            .any(|k| {
                planned.get(k).is_some_and(Value::is_known) && modify::differs(prior, planned, k)
            });
        if moved {
            self.disassociate(ctx, prior).await?;
            self.associate(ctx, &id, planned).await?;
        }
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// An instance's address is disassociated first; then the address is released, again
    /// while AWS still counts it in use (a NAT gateway that holds it is still deleting: it
    /// lets the address go once deleted, and cannot be disassociated from it).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        if obj::str(prior, "instance").is_some_and(|s| !s.is_empty()) {
            self.disassociate(ctx, prior).await?;
        }
        let what = format!("Elastic IP address {id} to be released by what holds it");
        let call = || async {
            let call = ctx.ec2().release_address().allocation_id(&id);
            network::send(call.send(), &format!("releasing Elastic IP address {id}")).await
        };
        let limit = SCHEMA.timeout(prior, "delete");
        lifecycle::delete(ctx, &what, limit, |e| e.is(IN_USE), GONE, call)
            .await
            .map(drop)
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_follow_the_region() {
        let (p, q) = dns_names("us-east-1", Some("3.4.5.6"), Some("10.0.1.5"));
        assert_eq!(p.as_deref(), Some("ec2-3-4-5-6.compute-1.amazonaws.com"));
        assert_eq!(q.as_deref(), Some("ip-10-0-1-5.ec2.internal"));
        let (p, q) = dns_names("eu-west-1", Some("3.4.5.6"), Some("10.0.1.5"));
        assert_eq!(
            p.as_deref(),
            Some("ec2-3-4-5-6.eu-west-1.compute.amazonaws.com")
        );
        assert_eq!(q.as_deref(), Some("ip-10-0-1-5.eu-west-1.compute.internal"));
    }
}
