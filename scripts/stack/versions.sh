# Versions of the servers the test stack installs. Bump here only.
# FerretDB 1.x (SQLite backend; 2.x needs PostgreSQL with the DocumentDB extension). The module proxy
# serves this version's source zip but not its .info, so it is built from the zip, checked by SHA-256.
FERRETDB_VERSION=v1.24.1
FERRETDB_ZIP_SHA256=51f47e079d981b580f36a224298e427554681221fbcbd1e7d003ecb6715a60ef
# MinIO's last commit (2026-02-12, the project is in maintenance mode since): release
# RELEASE.2025-10-15T17-29-55Z plus bug fixes, same go.mod. The module proxy refuses that
# release's own pseudo-version (v0.0.0-20251015172955-9e49d5e7a648: 403 "not available").
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# Neo4j 5.26 is the LTS line and the last on Java 17; Cassandra 5.0 runs on Java 11 or 17 only.
NEO4J_VERSION=5.26.30
CASSANDRA_VERSION=5.0.9
# InfluxDB OSS 2.x built from its module source zip (`go install` refuses a module with a replace).
INFLUXDB_VERSION=v2.7.12
INFLUXDB_ZIP_SHA256=4b152b700840144604291a75aac67d7957c14ec8b133f285e88d9493e7615cc6
# influxdata's pkg-config wrapper builds the Flux engine (Rust) for the cgo build.
INFLUX_PKG_CONFIG_VERSION=v0.2.14
# Apache Airflow 2.10 (stable REST API /api/v1) from PyPI; every dependency is pinned in
# scripts/stack/airflow/constraints.txt, which goes with this version.
AIRFLOW_VERSION=2.10.5
