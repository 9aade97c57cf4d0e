import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Runs an embedded Neo4j community server for the test stack: Bolt without TLS and without auth,
 * on loopback only. Usage: Neo4jLauncher HOME_DIR BOLT_PORT READY_FILE
 * READY_FILE is written once the default database answers, and removed on shutdown.
 */
public final class Neo4jLauncher {
    private static final long PAGE_CACHE_MIB = 128;

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: Neo4jLauncher HOME_DIR BOLT_PORT READY_FILE");
            System.exit(2);
        }
        try {
            run(args);
        } catch (Throwable e) {
            // Neo4j's own threads would otherwise keep a half-started JVM alive.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        int boltPort = Integer.parseInt(args[1]);
        Path readyFile = Path.of(args[2]).toAbsolutePath();
        Files.deleteIfExists(readyFile);

        DatabaseManagementService dbms = start(home, boltPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(dbms, readyFile, stopped), "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        while (!db.isAvailable()) {
            Thread.sleep(200);
        }
        Files.writeString(readyFile, ProcessHandle.current().pid() + "\n");
        System.out.println("neo4j available: bolt://127.0.0.1:" + boltPort);
        stopped.await();
    }

    private static DatabaseManagementService start(Path home, int boltPort) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", boltPort))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(PAGE_CACHE_MIB))
                // Test data is small: no 256 MiB transaction log files filled with zeros up front.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // Bolt otherwise waits 5 s twice on shutdown, even with no client connected.
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .build();
    }

    private static void stop(DatabaseManagementService dbms, Path readyFile, CountDownLatch stopped) {
        try {
            Files.deleteIfExists(readyFile);
        } catch (Exception ignored) {
            // The ready file is only a hint; a stale one is removed at the next start.
        }
        System.out.println("neo4j stopping");
        dbms.shutdown();
        System.out.println("neo4j stopped");
        stopped.countDown();
    }
}
