//! DB_IN_PUBLIC_SUBNET: a publicly accessible database whose DB subnet group holds a subnet
//! routed to an internet gateway. `publicly_accessible` alone gives the database a public
//! address; the route is what makes that address reachable from the internet. Read from the
//! configuration's references (subnet group → subnets → route table associations → routes),
//! so a plan that creates the whole network is judged before anything exists. References are
//! followed inside the database's module: a subnet group whose subnets come from another
//! module's outputs is not judged.

use super::{body_refs, DB_IN_PUBLIC_SUBNET};
use crate::check::{Finding, Instance};
use crate::config::Body;

/// A route's target is an internet gateway: a reference to one, or a literal `igw-…` id.
fn to_internet(inst: &Instance, body: &Body) -> Option<String> {
    if let Some(igw) = body_refs(inst, body, "gateway_id", "aws_internet_gateway").pop() {
        return Some(format!("aws_internet_gateway.{igw}"));
    }
    let literal = body.attr("gateway_id").and_then(|a| {
        crate::eval::body::eval_expr(&super::NoScope, &a.expr, std::path::Path::new(""), &[]).ok()
    });
    literal
        .as_ref()
        .and_then(|v| v.as_str())
        .filter(|id| id.starts_with("igw-"))
        .map(str::to_string)
}

/// The resources of one module, by type.
struct Module<'a> {
    instances: Vec<&'a Instance>,
}

impl<'a> Module<'a> {
    fn of_type(&self, type_: &'a str) -> impl Iterator<Item = &'a Instance> + '_ {
        self.instances
            .iter()
            .copied()
            .filter(move |i| i.type_() == type_)
    }

    fn named(&self, type_: &'a str, name: &str) -> Option<&'a Instance> {
        self.of_type(type_).find(|i| i.addr.resource.name == name)
    }

    /// How a route table (`aws_route_table` or `aws_default_route_table`) reaches the
    /// internet: "aws_internet_gateway.X via TYPE.NAME", from its inline `route` blocks or an
    /// `aws_route` on it.
    fn internet_route(&self, table_type: &'a str, table: &str) -> Option<String> {
        let inst = self.named(table_type, table)?;
        let inline = inst
            .resource
            .body
            .blocks_of("route")
            .find_map(|b| to_internet(inst, &b.body));
        let standalone = || {
            self.of_type("aws_route").find_map(|r| {
                let on_table = body_refs(r, &r.resource.body, "route_table_id", table_type)
                    .contains(&table.to_string());
                on_table.then(|| to_internet(r, &r.resource.body)).flatten()
            })
        };
        inline
            .or_else(standalone)
            .map(|igw| format!("{igw} via {table_type}.{table}"))
    }

    /// How a subnet reaches the internet: through the route table it is associated with, else
    /// (no association) through its VPC's main route table.
    fn subnet_route(&self, subnet: &str) -> Option<String> {
        let subnet_owned = subnet.to_string();
        let mut associated = false;
        for assoc in self.of_type("aws_route_table_association") {
            let body = &assoc.resource.body;
            if !body_refs(assoc, body, "subnet_id", "aws_subnet").contains(&subnet_owned) {
                continue;
            }
            associated = true;
            for table_type in ["aws_route_table", "aws_default_route_table"] {
                for table in body_refs(assoc, body, "route_table_id", table_type) {
                    if let Some(route) = self.internet_route(table_type, &table) {
                        return Some(route);
                    }
                }
            }
        }
        if associated {
            return None;
        }
        let s = self.named("aws_subnet", subnet)?;
        let vpcs = body_refs(s, &s.resource.body, "vpc_id", "aws_vpc");
        let main_of_vpc = |i: &Instance, attr: &str| {
            body_refs(i, &i.resource.body, attr, "aws_vpc")
                .iter()
                .any(|v| vpcs.contains(v))
        };
        let default_tables = self
            .of_type("aws_default_route_table")
            .filter(|t| main_of_vpc(t, "default_route_table_id"))
            .map(|t| ("aws_default_route_table", t.addr.resource.name.clone()));
        let main_tables = self
            .of_type("aws_main_route_table_association")
            .filter(|a| main_of_vpc(a, "vpc_id"))
            .flat_map(|a| {
                body_refs(a, &a.resource.body, "route_table_id", "aws_route_table")
                    .into_iter()
                    .map(|t| ("aws_route_table", t))
            });
        let candidates: Vec<(&str, String)> = default_tables.chain(main_tables).collect();
        candidates
            .into_iter()
            .find_map(|(table_type, table)| self.internet_route(table_type, &table))
    }
}

/// The DB subnet groups a database names: its own, or (a cluster member) its cluster's.
fn subnet_groups<'a>(module: &Module<'a>, db: &'a Instance) -> Vec<String> {
    let own = body_refs(
        db,
        &db.resource.body,
        "db_subnet_group_name",
        "aws_db_subnet_group",
    );
    if !own.is_empty() || db.type_() != "aws_rds_cluster_instance" {
        return own;
    }
    body_refs(
        db,
        &db.resource.body,
        "cluster_identifier",
        "aws_rds_cluster",
    )
    .iter()
    .filter_map(|c| module.named("aws_rds_cluster", c))
    .flat_map(|c| {
        body_refs(
            c,
            &c.resource.body,
            "db_subnet_group_name",
            "aws_db_subnet_group",
        )
    })
    .collect()
}

pub(super) fn databases(instances: &[Instance], out: &mut Vec<Finding>) {
    for db in instances {
        if !matches!(db.type_(), "aws_db_instance" | "aws_rds_cluster_instance")
            || db.get("publicly_accessible").as_bool() != Some(true)
        {
            continue;
        }
        let module = Module {
            instances: instances
                .iter()
                .filter(|i| i.addr.module == db.addr.module)
                .collect(),
        };
        let routes: Vec<String> = subnet_groups(&module, db)
            .iter()
            .filter_map(|g| module.named("aws_db_subnet_group", g))
            .flat_map(|g| body_refs(g, &g.resource.body, "subnet_ids", "aws_subnet"))
            .filter_map(|s| {
                module
                    .subnet_route(&s)
                    .map(|route| format!("aws_subnet.{s} routes to {route}"))
            })
            .collect();
        if let Some(first) = routes.first() {
            out.push(Finding::new(
                DB_IN_PUBLIC_SUBNET,
                db.address(),
                Some(db.span_of("publicly_accessible")),
                format!(
                    "publicly_accessible = true in a DB subnet group with a public subnet ({first}): the database is reachable from the internet wherever its security groups allow"
                ),
            ));
        }
    }
}
