#!/usr/bin/env python3
"""Packs a root filesystem directory into a one-layer image tarball, without a daemon or a registry.

The tarball is an OCI image layout (oci-layout, index.json, blobs/sha256/...) that also carries a
docker-save manifest.json pointing at the same blobs, as `docker save` writes since Docker 25:
`ctr image import` reads it, and so do Jib's `tar://` base images (which read only manifest.json)
and buildah's `oci-archive:` transport. The layer is reproducible: entries sorted, numeric owners,
every mtime set to SOURCE_DATE_EPOCH (default 0), gzip without a timestamp.

usage: oci-pack.py --rootfs DIR --tag NAME:TAG --out FILE.tar [--user U:G] [--env K=V]...
                   [--entrypoint JSON] [--cmd JSON] [--workdir DIR] [--label K=V]... [--history TEXT]
"""
import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


class HashingWriter(io.RawIOBase):
    """A write-through file that also counts and hashes what passes."""

    def __init__(self, target):
        self.target, self.sha, self.size = target, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, data):
        self.sha.update(data)
        self.size += len(data)
        return self.target.write(data) if self.target else len(data)


def layer_entries(rootfs):
    """Every path under rootfs, parents before children, in a stable order."""
    for parent, dirs, files in os.walk(rootfs):
        dirs.sort()
        for name in sorted(dirs + files):
            yield os.path.join(parent, name)


def write_layer(rootfs, out, mtime):
    """Writes the gzipped layer to out; returns (diff_id, digest, size)."""
    compressed = HashingWriter(out)
    with gzip.GzipFile(fileobj=compressed, mode="wb", mtime=0, compresslevel=6) as gz:
        uncompressed = HashingWriter(gz)
        with tarfile.open(fileobj=uncompressed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for path in layer_entries(rootfs):
                info = tar.gettarinfo(path, os.path.relpath(path, rootfs))
                if info is None:  # a socket: nothing an image can carry
                    continue
                info.mtime, info.uname, info.gname = mtime, "", ""
                if info.isreg():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)
    return "sha256:" + uncompressed.sha.hexdigest(), "sha256:" + compressed.sha.hexdigest(), compressed.size


def add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))


def blob(tar, data):
    """Adds data as a blob; returns its descriptor fields."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    add_bytes(tar, "blobs/sha256/" + digest[7:], data)
    return digest, len(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rootfs", required=True)
    p.add_argument("--tag", required=True, help="full image name with its tag")
    p.add_argument("--out", required=True)
    p.add_argument("--user")
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--entrypoint", type=json.loads)
    p.add_argument("--cmd", type=json.loads)
    p.add_argument("--workdir", default="/")
    p.add_argument("--label", action="append", default=[])
    p.add_argument("--history", default="oci-pack.py")
    a = p.parse_args()

    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    created = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    workdir = tempfile.mkdtemp(prefix="oci-pack.", dir=os.path.dirname(os.path.abspath(a.out)))
    try:
        layer_path = os.path.join(workdir, "layer")
        with open(layer_path, "wb") as f:
            diff_id, layer_digest, layer_size = write_layer(a.rootfs, f, mtime)

        config = {"User": a.user, "Env": a.env, "Entrypoint": a.entrypoint, "Cmd": a.cmd,
                  "WorkingDir": a.workdir, "Labels": dict(kv.split("=", 1) for kv in a.label)}
        image_config = {
            "created": created, "architecture": "amd64", "os": "linux",
            "config": {k: v for k, v in config.items() if v},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": created, "created_by": a.history}],
        }
        tmp_out = os.path.join(workdir, "image.tar")
        with tarfile.open(tmp_out, "w", format=tarfile.PAX_FORMAT) as tar:
            add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            info = tarfile.TarInfo("blobs/sha256/" + layer_digest[7:])
            info.size, info.mode = layer_size, 0o644
            with open(layer_path, "rb") as f:
                tar.addfile(info, f)
            config_digest, config_size = blob(tar, json.dumps(image_config, sort_keys=True).encode())
            manifest = {
                "schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size},
                "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": layer_digest, "size": layer_size}],
            }
            manifest_digest, manifest_size = blob(tar, json.dumps(manifest, sort_keys=True).encode())
            index = {
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [{"mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": manifest_size,
                               "annotations": {"io.containerd.image.name": a.tag,
                                               "org.opencontainers.image.ref.name": a.tag.rsplit(":", 1)[1]}}],
            }
            add_bytes(tar, "index.json", json.dumps(index, sort_keys=True).encode())
            docker_manifest = [{"Config": "blobs/sha256/" + config_digest[7:], "RepoTags": [a.tag],
                                "Layers": ["blobs/sha256/" + layer_digest[7:]]}]
            add_bytes(tar, "manifest.json", json.dumps(docker_manifest).encode())
        os.replace(tmp_out, a.out)
        print("%s %s %s" % (a.out, a.tag, manifest_digest))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
