#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, no ZooKeeper) on loopback, for distributed mode and its tests.
#   deploy/local/kafka.sh fetch    copy the broker's jars from Maven Central into .cache/kafka/libs (once)
#   deploy/local/kafka.sh start    format the log directory (first time) and start the broker; waits until it listens
#   deploy/local/kafka.sh stop     stop the broker (SIGTERM, then SIGKILL after 30 s)
#   deploy/local/kafka.sh status   exit 0 when the broker listens
# Settings: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), MANDATE_KAFKA_HOME (.cache/kafka).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
home="${MANDATE_KAFKA_HOME:-$root/.cache/kafka}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
libs="$home/libs"
data="$home/data"
pidfile="$home/broker.pid"
log="$home/broker.log"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "kafka.sh: Maven (mvn) is needed to fetch Kafka from Maven Central" >&2; exit 1; }
  echo "kafka.sh: fetching Apache Kafka jars from Maven Central into $libs"
  rm -rf "$libs" && mkdir -p "$libs"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs"
  touch "$libs/.complete"
}

write_config() {
  mkdir -p "$data"
  # Single broker: every replication factor and the transaction log's ISR must be 1, or consumer groups never start.
  cat > "$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=8
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.enable=true
PROPS
  cat > "$home/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS
}

java_cmd() {
  java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$home/log4j.properties" -cp "$libs/*" "$@"
}

start() {
  if listening; then echo "kafka.sh: a broker already listens on 127.0.0.1:$port"; return 0; fi
  fetch
  write_config
  if [ ! -f "$data/meta.properties" ]; then
    # The cluster id only has to be stable for this log directory.
    java_cmd kafka.tools.StorageTool format -t "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      -c "$home/server.properties" --ignore-formatted >/dev/null
  fi
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$home/log4j.properties" -cp "$libs/*" \
    kafka.Kafka "$home/server.properties" >>"$log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 300); do
    if listening; then echo "kafka.sh: broker up on 127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"; return 0; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "kafka.sh: the broker exited; see $log" >&2; tail -20 "$log" >&2; exit 1; fi
    sleep 0.2
  done
  echo "kafka.sh: the broker did not listen within 60 s; see $log" >&2; exit 1
}

stop() {
  [ -f "$pidfile" ] || { echo "kafka.sh: no broker started from $home"; return 0; }
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  fi
  rm -f "$pidfile"
  echo "kafka.sh: broker stopped"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) listening ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
