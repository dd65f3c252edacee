// A throw-away Neo4j Community server for the test suite: Bolt on 127.0.0.1, auth on.
//
// Launched by .ci/neo4j/run.py as `java Server.java <home> <bolt port>` (Java's single-file
// source launcher) with the Neo4j jars on CLASSPATH. The password of user `neo4j` comes from
// the NEO4J_TEST_PASSWORD environment variable, never from the command line. Prints READY once
// Bolt accepts connections and runs until it is sent SIGTERM (or its standard input closes).
//
// `<home>/bin/neo4j stop` and `<home>/bin/neo4j start` (written by run.py) stop and start the
// DBMS inside this process, as an installed Neo4j's `neo4j stop` / `neo4j start` do for the
// server (Community has no STOP DATABASE): they drop a request file in <home>/run/ and wait
// for the answer in <home>/run/state ("started" or "stopped"). Bolt is down in between, so
// `neo4j-admin database import` can write the store.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import java.time.Duration;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public class Server {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java Server.java <home directory> <bolt port>");
            System.exit(2);
        }
        String password = System.getenv("NEO4J_TEST_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("set NEO4J_TEST_PASSWORD (8 characters or more)");
            System.exit(2);
        }
        Path home = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);

        DatabaseManagementService[] dbms = {build(home, port)};
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (dbms) {
                if (dbms[0] != null) {
                    dbms[0].shutdown();
                }
            }
        }, "neo4j-shutdown"));

        // The built-in user starts with a password that must be changed; set ours instead.
        dbms[0].database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));

        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        // Stay up until the parent goes away: SIGTERM runs the shutdown hook; a closed stdin
        // (the parent died) ends the server too.
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // ignore input
                }
            } catch (java.io.IOException e) {
                // the parent is gone
            }
            System.exit(0);
        }, "stdin-watch");
        stdin.setDaemon(true);
        stdin.start();

        Path run = home.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("state"), "started\n");
        while (true) {
            Thread.sleep(100);
            Path stop = run.resolve("stop.request");
            Path start = run.resolve("start.request");
            if (Files.deleteIfExists(stop)) {
                synchronized (dbms) {
                    if (dbms[0] != null) {
                        dbms[0].shutdown();
                        dbms[0] = null;
                    }
                }
                Files.writeString(run.resolve("state"), "stopped\n");
                System.out.println("STOPPED");
                System.out.flush();
            }
            if (Files.deleteIfExists(start)) {
                synchronized (dbms) {
                    if (dbms[0] == null) {
                        dbms[0] = build(home, port);
                    }
                }
                Files.writeString(run.resolve("state"), "started\n");
                System.out.println("STARTED");
                System.out.flush();
            }
        }
    }

    static DatabaseManagementService build(Path home, int port) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                // Bolt waits 5 s for its threads and 5 s for its connections when the DBMS
                // stops (`neo4j stop` before an import): no client of a test server needs them.
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(200))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(200))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, 256L * 1024 * 1024)
                .build();
    }
}
