output "webserver_group_id" {
  description = "Security group to attach to the web servers."
  value       = aws_security_group.webserver_group.id
}

output "db_group_id" {
  value = aws_security_group.db_group.id
}

output "db_endpoint" {
  description = "host:port of the database."
  value       = aws_db_instance.db.endpoint
}

output "db_address" {
  value = aws_db_instance.db.address
}
