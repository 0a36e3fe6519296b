# pgstream-operator. Needs Java 17+, Maven 3.8+ and, for the chart checks, Go (helm is built from the
# Go module proxy into .tools/). .ci/run installs what is missing on a bare machine.
MVN ?= mvn -B -ntp
CRD := pgstreampipelines.pgstream.io-v1.yml
HELM_VERSION := v3.19.0
HELM := $(CURDIR)/.tools/helm
# promtool (the alert-rule tests) from Debian's prometheus package, which .ci/run installs: building it from the Go
# module proxy costs about 8 CPU-minutes and 3.4 GB of memory on a cold machine.
PROMTOOL ?= promtool
CHART := charts/pgstream-operator
DEPLOY := deploy/pgstream-operator.yaml

.PHONY: build test alerts-test lifecycle-model fidelity demo bench bench-smoke bench-slots bench-slots-smoke bench-data bench-data-smoke dashboard e2e e2e-node-smoke e2e-node run crds render deploy chart-check image image-local images-local images-check clean

## build: compile, test and package the operator jar (target/pgstream-operator-*.jar)
build:
	$(MVN) package

## test: all tests (Maven: unit, mock API server, real PostgreSQL, AWS stand-in), then the chart checks and
## the alert-rule tests
test:
	$(MVN) verify
	$(MAKE) chart-check
	$(MAKE) alerts-test

## alerts-test: the chart's PrometheusRule rendered with helm (default thresholds), checked and unit-tested with
## promtool against the series in src/test/resources/alerts/ (each alert fires on some and not on others)
alerts-test: $(HELM)
	@command -v $(PROMTOOL) >/dev/null || { echo "promtool is needed: apt-get install prometheus" >&2; exit 1; }
	rm -rf target/alerts && mkdir -p target/alerts
	$(HELM) template pgstream-operator $(CHART) --set metrics.prometheusRule.enabled=true --show-only templates/prometheusrule.yaml \
	  | awk 'f { sub(/^  /, ""); print } /^spec:/ { f = 1 }' > target/alerts/pgstream-rules.yaml
	cp src/test/resources/alerts/*-test.yaml target/alerts/
	$(PROMTOOL) check rules target/alerts/pgstream-rules.yaml
	cd target/alerts && $(PROMTOOL) test rules *-test.yaml

## fidelity: golden and rendered example configs, strictly against the pinned pgstream's structs and checks
fidelity:
	./e2e/fidelity.sh

## demo: the operator against an in-process mock API server, applying examples/
demo:
	$(MVN) -q test-compile exec:java -Dexec.mainClass=io.pgstream.operator.demo.Demo -Dexec.classpathScope=test

## bench: 1, 100 and 1,000 pipelines against the mock API server (BENCH_MOCK_SIZES), then the operator against the
## floor client on a real kube-apiserver + etcd (BENCH_SIZES: 1, 100, 1,000, 10,000); results/bench.md, .json and a PNG
bench:
	MVN="$(MVN)" ./bench/control-plane.sh

## bench-smoke: the same with 5 pipelines and no mock rounds, into target/bench-smoke/ (no timing asserted)
bench-smoke:
	MVN="$(MVN)" BENCH_SIZES=5 BENCH_MOCK_SIZES= BENCH_OUT=target/bench-smoke ./bench/control-plane.sh

## bench-slots: the slot watch's cost on the sources with the database checks on: sessions per minute the operator
## opens for 100 and 1,000 streaming pipelines on one PostgreSQL server and 1,000 over two, and the create-to-init-Job
## latency of new pipelines while one source hangs (bench/slots.sh); results/bench-slots.md and keys of bench.json
bench-slots:
	MVN="$(MVN)" ./bench/slots.sh

## bench-slots-smoke: 5 pipelines on one server, a 10 s slot-check interval and a 20 s window, no resync or hang, into
## target/bench-slots-smoke/ (no timing asserted; the streaming state and the session counts are)
bench-slots-smoke:
	MVN="$(MVN)" SLOTS_SIZES=5 SLOTS_TWO_SERVERS=0 SLOTS_HANG_PIPELINES=0 SLOTS_RESYNC=0 SLOTS_SLOT_CHECK_SECONDS=10 SLOTS_WINDOW_SECONDS=20 \
	  BENCH_OUT=target/bench-slots-smoke BENCH_COMMAND="make bench-slots-smoke" ./bench/slots.sh

## dashboard: draws the chart's Grafana dashboard (Java2D, not Grafana) from the operator's metrics scraped through a
## scripted run against the mock API server and a real PostgreSQL: results/dashboard.png
dashboard:
	$(MVN) -q test-compile exec:java -Dexec.mainClass=io.pgstream.operator.dashboard.DashboardRecording -Dexec.classpathScope=test -Djava.awt.headless=true

## bench-data: real pgstream with the rendered config against pg_dump|pg_restore and native logical replication on two
## PostgreSQL 15 servers (ports 5480/5481), 2 M rows, interleaved rounds; writes results/bench-data.{md,json,png}
## (e2e/bench-data.sh lists the BENCH_* knobs: scale, reps, swept settings)
bench-data:
	./e2e/bench-data.sh

## bench-data-smoke: the same on a tiny dataset, one rep, into target/bench-data-smoke/ (no timing asserted; for CI)
bench-data-smoke:
	BENCH_ROWS=20000 BENCH_CHANGES=2000 BENCH_REPS=1 BENCH_LAG_SECONDS=2 BENCH_OUT=target/bench-data-smoke \
	  BENCH_COMMAND="make bench-data-smoke" ./e2e/bench-data.sh

## e2e: the real-peer tier: a real kube-apiserver, pgstream and two PostgreSQL 15 servers (e2e/run.sh)
e2e:
	./e2e/run.sh

## e2e-node-smoke: a real single-node cluster (e2e/node/up.sh: kubelet, containerd, controller-manager, scheduler)
## runs a restricted Job from an image built here that reaches a server on the host; then e2e/node/down.sh
e2e-node-smoke:
	./e2e/node/smoke.sh

## e2e-node: the chart installed with helm into a real node from the images built here; a pipeline's Jobs and
## Deployment run by the kubelet, faults, the target checked against the source (e2e/node/run.sh, target/e2e-node/)
e2e-node:
	./e2e/node/run.sh

## lifecycle-model: the model-based lifecycle test alone (make test runs it too), 500 seeded sequences
## (LIFECYCLE_ARGS=-Dlifecycle.sequences=N -Dlifecycle.seed=S -Dlifecycle.only=I,J -Dlifecycle.trace=true)
lifecycle-model:
	$(MVN) test -Dtest=LifecycleModelTest $(LIFECYCLE_ARGS)

## run: the operator against the cluster of the current kubeconfig
run:
	$(MVN) -q -DskipTests package
	java -jar target/pgstream-operator-*-SNAPSHOT.jar run

## crds: regenerate the CRD from the Java model into crds/ and the chart, and deploy/ from the chart
crds:
	$(MVN) -q process-classes
	cp target/classes/META-INF/fabric8/$(CRD) crds/$(CRD)
	cp target/classes/META-INF/fabric8/$(CRD) $(CHART)/crds/$(CRD)
	$(MAKE) deploy

## render: print the pgstream config for FILE (default: the RDS example)
FILE ?= examples/rds-snapshot-then-stream.yaml
render:
	$(MVN) -q -DskipTests package
	java -jar target/pgstream-operator-*-SNAPSHOT.jar render -f $(FILE)

$(HELM):
	GOBIN=$(CURDIR)/.tools go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

## deploy: render deploy/ (plain manifests) from the chart with its default values
deploy: $(HELM)
	./deploy/render.sh $(HELM) > $(DEPLOY)

## chart-check: helm lint, and deploy/ and the chart's CRD must match what the chart and the model give; the
## monitoring objects render only when enabled
chart-check: $(HELM)
	$(HELM) lint --strict $(CHART)
	$(HELM) lint --strict $(CHART) --set watchNamespaces={team-a,team-b} --set metrics.serviceMonitor.enabled=true
	$(HELM) lint --strict $(CHART) --set image.digest=sha256:$$(printf '0%.0s' $$(seq 64)) --set runnerImages.17=runner:pg17@sha256:$$(printf 'a%.0s' $$(seq 64))
	$(HELM) lint --strict $(CHART) --set metrics.podMonitor.enabled=true --set metrics.prometheusRule.enabled=true --set metrics.grafanaDashboard.enabled=true
	./charts/observability-check.sh $(HELM)
	./deploy/render.sh $(HELM) | diff -u $(DEPLOY) - || (echo "deploy/ is stale: run make deploy" && exit 1)
	diff -u crds/$(CRD) $(CHART)/crds/$(CRD) || (echo "the chart's CRD is stale: run make crds" && exit 1)

## image: the operator image as an OCI tarball (target/jib-image.tar), no Docker daemon needed
image:
	$(MVN) -q -DskipTests package jib:buildTar

## image-local: the same, from a base built here from Debian packages (no registry): target/images/pgstream-operator.tar
image-local:
	MVN="$(MVN)" ./images/build-local.sh operator

## images-local: every image (operator, pgstream runner for PostgreSQL 15) built without a registry or a daemon into
## target/images/*.tar, listed with their names in target/images/images.txt (images/build-local.sh)
images-local:
	MVN="$(MVN)" ./images/build-local.sh all

## images-check: import target/images/ into a containerd of its own and run each image as the chart does (images/check-local.sh)
images-check:
	./images/check-local.sh

clean:
	$(MVN) -q clean
