# pgstream-operator. Needs Java 17+ and Maven 3.8+ (.ci/run installs them on a bare machine).
MVN ?= mvn -B -ntp
CRD := pgstreampipelines.pgstream.io-v1.yml

.PHONY: build test demo run crds render clean

## build: compile, test and package the operator jar (target/pgstream-operator-*.jar)
build:
	$(MVN) package

## test: unit and integration tests (Fabric8 mock API server, golden configs, CRD drift)
test:
	$(MVN) verify

## demo: the operator against an in-process mock API server, applying examples/
demo:
	$(MVN) -q test-compile exec:java -Dexec.mainClass=io.pgstream.operator.demo.Demo -Dexec.classpathScope=test

## run: the operator against the cluster of the current kubeconfig
run:
	$(MVN) -q -DskipTests package
	java -jar target/pgstream-operator-*-SNAPSHOT.jar run

## crds: regenerate crds/ from the Java model (then commit it)
crds:
	$(MVN) -q process-classes
	cp target/classes/META-INF/fabric8/$(CRD) crds/$(CRD)

## render: print the pgstream config for FILE (default: the RDS example)
FILE ?= examples/rds-snapshot-then-stream.yaml
render:
	$(MVN) -q -DskipTests package
	java -jar target/pgstream-operator-*-SNAPSHOT.jar render -f $(FILE)

clean:
	$(MVN) -q clean
