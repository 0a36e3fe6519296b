package io.pgstream.operator.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback listener that is no PostgreSQL server: it answers every connection with an HTTP
 * response naming an internal service, the text a tenant probing the operator's network would want
 * to read back, and counts the connections it was sent.
 */
public final class JunkPeer implements AutoCloseable {
  public static final String BANNER = "internal-admin-console/1.2";

  private final ServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();

  public JunkPeer() {
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(this::serve, "junk-peer");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        connections.incrementAndGet();
        s.getInputStream().read(new byte[512]);
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 400 Bad Request\r\nServer: " + BANNER + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException closedOrReset) {
        // the client gave up, or the listener is closing
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
