// A throw-away Neo4j Community server for the test suite: Bolt on 127.0.0.1, auth on.
//
// Launched by .ci/neo4j/run.py as `java Server.java <home> <bolt port>` (Java's single-file
// source launcher) with the Neo4j jars on CLASSPATH. The password of user `neo4j` comes from
// the NEO4J_TEST_PASSWORD environment variable, never from the command line. Prints READY once
// Bolt accepts connections and runs until it is sent SIGTERM (or its standard input closes).

import java.nio.file.Path;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
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

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, 256L * 1024 * 1024)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));

        // The built-in user starts with a password that must be changed; set ours instead.
        dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));

        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        // Stay up until the parent goes away: SIGTERM runs the shutdown hook; a closed stdin
        // (the parent died) ends the server too.
        while (System.in.read() != -1) {
            // ignore input
        }
        System.exit(0);
    }
}
