//! `aws_vpc_peering_connection`: a peering request from `vpc_id` to `peer_vpc_id` (another
//! account's with `peer_owner_id`, another Region's with `peer_region`). Created
//! `initiating-request` and settled once `pending-acceptance` or `active`; with `auto_accept`
//! (same account and Region only, as AWS lets the requester accept nothing else) it is
//! accepted and waited for until `active`. The `accepter` / `requester` options are set once
//! it is active. A delete waits until AWS reports it `deleted`.

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    PeeringConnectionOptionsRequest, ResourceType as Ec2Kind, VpcPeeringConnection as SdkPeering,
    VpcPeeringConnectionVpcInfo as SdkSide,
};

pub struct VpcPeeringConnection;
pub static VPC_PEERING_CONNECTION: VpcPeeringConnection = VpcPeeringConnection;

const GONE: &[&str] = &["InvalidVpcPeeringConnectionID.NotFound"];

/// What a connection that is no more reports (AWS lists them for a while after).
const ENDED: &[&str] = &["deleted", "rejected", "failed", "expired"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC peering connection (the requester's side).";
        regional;
        id            string output;
        accept_status string output "The connection's status code (pending-acceptance, active, …).";
        vpc_id        string required force_new "The requester VPC.";
        peer_vpc_id   string required force_new "The accepter VPC.";
        peer_owner_id string computed force_new "The accepter VPC's account (this account by default).";
        peer_region   string computed force_new "The accepter VPC's Region (this Region by default).";
        auto_accept   bool virtual_ "Accept the request (same account and Region only).";
        tags;
        block options("accepter");
        block options("requester");
        timeouts create(1) update(1) delete(1);
    }
});

fn options(side: &'static str) -> BlockType {
    let options = schema! {
        "";
        allow_remote_vpc_dns_resolution bool default(false) "Resolve the other VPC's public DNS names to private addresses.";
    };
    let what = match side {
        "accepter" => "Options of the accepter VPC; set once the connection is active.",
        _ => "Options of the requester VPC; set once the connection is active.",
    };
    BlockType::list(side, options)
        .max_one()
        .computed()
        .describe(what)
}

/// The connections found, ended ones left out.
async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkPeering>> {
    let found = describe_filtered!(
        ctx,
        ids,
        "vpc-peering-connection-id",
        "VPC peering connections",
        |c| c.describe_vpc_peering_connections()
    );
    Ok(found
        .into_iter()
        .filter(|p| !ENDED.contains(&status(p)))
        .collect())
}

fn status(p: &SdkPeering) -> &str {
    p.status().and_then(|s| s.code()).map_or("", |c| c.as_str())
}

fn statuses(
    ctx: Ctx,
    ids: Vec<String>,
) -> futures::future::BoxFuture<'static, ProviderResult<BTreeMap<String, Value>>> {
    Box::pin(async move {
        let found = describe(&ctx, &ids).await?;
        Ok(found
            .iter()
            .filter_map(|p| {
                let id = p.vpc_peering_connection_id()?.to_string();
                Some((id, wait::status_value(Some(status(p)), false)))
            })
            .collect())
    })
}

/// initiating-request / provisioning → pending-acceptance or active after a create.
static WAITER: Waiter = Waiter {
    noun: "VPC peering connection",
    key: "aws_vpc_peering_connection/status",
    statuses,
    pending: &["initiating-request", "provisioning"],
    ready: &["pending-acceptance", "active"],
};

/// → active after an accept.
static ACTIVE: Waiter = Waiter {
    noun: "VPC peering connection",
    key: "aws_vpc_peering_connection/status",
    statuses,
    pending: &["pending-acceptance", "initiating-request", "provisioning"],
    ready: &["active"],
};

fn options_of(side: Option<&SdkSide>) -> Value {
    let item = side.and_then(|s| s.peering_options()).map(|o| {
        let dns = o.allow_dns_resolution_from_remote_vpc().unwrap_or(false);
        Value::Map(object! { "allow_remote_vpc_dns_resolution" => dns })
    });
    Value::List(item.into_iter().collect())
}

fn state_of(ctx: &Ctx, account: &str, p: &SdkPeering) -> Value {
    let (requester, accepter) = (p.requester_vpc_info(), p.accepter_vpc_info());
    fn owner(s: Option<&SdkSide>) -> &str {
        s.and_then(|s| s.owner_id()).unwrap_or_default()
    }
    // The accepter's account reads the connection from its side, as the provider does.
    let (ours, theirs) = match owner(accepter) == account && owner(requester) != account {
        true => (accepter, requester),
        false => (requester, accepter),
    };
    let m = object! {
        "id" => p.vpc_peering_connection_id(),
        "accept_status" => status(p),
        "vpc_id" => ours.and_then(|s| s.vpc_id()),
        "peer_vpc_id" => theirs.and_then(|s| s.vpc_id()),
        "peer_owner_id" => theirs.and_then(|s| s.owner_id()),
        "peer_region" => accepter.and_then(|s| s.region()),
        "accepter" => options_of(accepter),
        "requester" => options_of(requester),
    };
    network::with_tags(ctx, m, p.tags())
}

/// The options request of block `side` of `planned` when it changed from `prior`.
fn options_request(
    prior: Option<&Value>,
    planned: &Value,
    side: &str,
) -> Option<PeeringConnectionOptionsRequest> {
    let block = state::items(planned, side).next()?;
    if prior.is_some_and(|p| !modify::differs(p, planned, side)) {
        return None;
    }
    let dns = obj::bool(block, "allow_remote_vpc_dns_resolution").unwrap_or(false);
    Some(
        PeeringConnectionOptionsRequest::builder()
            .allow_dns_resolution_from_remote_vpc(dns)
            .build(),
    )
}

impl VpcPeeringConnection {
    async fn accept(&self, ctx: &Ctx, id: &str, timeout: Duration) -> ProviderResult<()> {
        let call = ctx
            .ec2()
            .accept_vpc_peering_connection()
            .vpc_peering_connection_id(id);
        network::send(
            call.send(),
            &format!("accepting VPC peering connection {id}"),
        )
        .await?;
        ACTIVE.ready(ctx, id, timeout).await
    }

    /// Accepts when `planned` asks and the connection awaits acceptance, then sets the options
    /// that changed (only an active connection takes them).
    async fn settle(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: Option<&Value>,
        planned: &Value,
        op: &str,
    ) -> ProviderResult<()> {
        let timeout = SCHEMA.timeout(planned, op);
        let found = describe(ctx, &[id.to_string()]).await?;
        let mut current = found.first().map(status).unwrap_or_default().to_string();
        if obj::bool(planned, "auto_accept") == Some(true) && current == "pending-acceptance" {
            self.accept(ctx, id, timeout).await?;
            current = "active".into();
        }
        let accepter = options_request(prior, planned, "accepter");
        let requester = options_request(prior, planned, "requester");
        if accepter.is_none() && requester.is_none() {
            return Ok(());
        }
        if !matches!(current.as_str(), "active" | "provisioning") {
            return Err(ProviderError::new(format!(
                "VPC peering connection {id} is not active (status {current}): its options can be set only once it is; set auto_accept = true or accept it, then apply again"
            )));
        }
        let call = ctx
            .ec2()
            .modify_vpc_peering_connection_options()
            .vpc_peering_connection_id(id)
            .set_accepter_peering_connection_options(accepter)
            .set_requester_peering_connection_options(requester);
        network::send(call.send(), &format!("setting the options of {id}")).await
    }
}

#[async_trait]
impl ResourceType for VpcPeeringConnection {
    named!("aws_vpc_peering_connection", SCHEMA, WAITER);

    /// AWS refuses the requester's accept of a request to another Region.
    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cross_region = obj::str(config, "peer_region").is_some();
        if cross_region && obj::bool(config, "auto_accept") == Some(true) {
            return vec![ConfigProblem::new(
                Some("auto_accept"),
                "auto_accept cannot accept a connection to another Region (peer_region is set)",
                "accept it in the peer Region (aws_vpc_peering_connection_accepter), and drop auto_accept here",
            )];
        }
        Vec::new()
    }

    /// One DescribeVpcPeeringConnections for all the connections.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = describe(ctx, &state::unique(ids)).await?;
        if found.is_empty() {
            return Ok(BTreeMap::new());
        }
        let account = ctx.account_id().await?;
        Ok(state::by_id(
            found,
            |p| p.vpc_peering_connection_id(),
            |p| state_of(ctx, &account, &p),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let call = ctx
            .ec2()
            .create_vpc_peering_connection()
            .set_vpc_id(obj::string(planned, "vpc_id"))
            .set_peer_vpc_id(obj::string(planned, "peer_vpc_id"))
            .set_peer_owner_id(obj::string(planned, "peer_owner_id"))
            .set_peer_region(obj::string(planned, "peer_region"))
            .set_tag_specifications(network::create_tags(
                ctx,
                planned,
                Ec2Kind::VpcPeeringConnection,
            ));
        let out = call
            .send()
            .await
            .during("creating VPC peering connection")?;
        let id = network::created(
            out.vpc_peering_connection()
                .and_then(|p| p.vpc_peering_connection_id()),
            "CreateVpcPeeringConnection",
        )?;
        WAITER
            .ready(ctx, id, SCHEMA.timeout(planned, "create"))
            .await?;
        self.complete_after_call(ctx, id, planned).await?;
        let written = Written {
            id,
            prior: None,
            planned,
        };
        self.state_after_write(ctx, written).await
    }

    /// The accept and the options a create makes after its call.
    async fn complete_after_call(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<()> {
        self.settle(ctx, id, None, planned, "create").await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        self.settle(ctx, &id, Some(prior), planned, "update")
            .await?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Deleted, then waited for until AWS reports it deleted; one that failed or was rejected
    /// is gone already.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx
            .ec2()
            .delete_vpc_peering_connection()
            .vpc_peering_connection_id(&id);
        let sent = call
            .send()
            .await
            .during(&format!("deleting VPC peering connection {id}"));
        match sent {
            Err(e) if e.says("InvalidStateTransition", "to deleting") => Ok(()),
            sent => {
                let timeout = SCHEMA.timeout(prior, "delete");
                WAITER.gone_after_sent(sent, GONE, ctx, &id, timeout).await
            }
        }
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
