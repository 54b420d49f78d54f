#!/bin/sh
# One-shot step of the Docker stack: creates the kit's bucket (S3_BUCKET from .env) in SeaweedFS.
#
# The access key needs no step of its own: the server registers S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY
# (passed to it as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) as its admin identity when it starts, so
# the S3 API never answers an unsigned request, not even before this step has run.
#
# `weed shell` talks to the master and filer over gRPC inside the compose network. Its exit status does
# not report a failed command, so the bucket list is the source of truth: create when missing, then verify.
set -eu

MASTER="${WEED_MASTER:-seaweedfs:9333}"
BUCKET="${S3_BUCKET:?S3_BUCKET is not set}"

weed_shell() {
  echo "$1" | weed shell -master="$MASTER" 2>&1
}

has_bucket() {
  weed_shell "s3.bucket.list" | grep -Eq "^[[:space:]]*${BUCKET}([[:space:]]|$)"
}

i=0
while [ "$i" -lt 30 ]; do
  if has_bucket; then
    echo "create-bucket: bucket ${BUCKET} is ready"
    exit 0
  fi
  weed_shell "s3.bucket.create -name ${BUCKET}" >/dev/null || true
  i=$((i + 1))
  sleep 1
done

echo "create-bucket: could not create bucket ${BUCKET}; see the seaweedfs service log" >&2
exit 1
