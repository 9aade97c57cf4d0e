# Versions of the servers the test stack installs. Bump here only.
FERRETDB_VERSION=v1.24.1
# MinIO release RELEASE.2025-10-15T17-29-55Z as a Go pseudo-version.
MINIO_VERSION=v0.0.0-20251015172955-9e49d5e7a648
NEO4J_VERSION=5.26.0
CASSANDRA_VERSION=5.0.0
