package io.pgstream.operator.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP forwarder that can be cut and restored, to make a database unreachable and
 * reachable again without touching the database itself. It counts what the server sent through it.
 */
public final class TcpProxy implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicLong fromServer = new AtomicLong();
  private volatile ServerSocket server;

  public TcpProxy(int targetPort) {
    this.targetPort = targetPort;
    try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      this.port = probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** Starts forwarding; connections to {@link #port()} are refused until then. */
  public synchronized void up() throws IOException {
    server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket client = server.accept();
                  Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                  sockets.add(client);
                  sockets.add(upstream);
                  pump(client, upstream, new AtomicLong());
                  pump(upstream, client, fromServer);
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "tcp-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Stops accepting and cuts every open connection. */
  public synchronized void down() throws IOException {
    if (server != null) {
      server.close();
    }
    for (Socket s : sockets) {
      s.close();
    }
    sockets.clear();
  }

  /** Bytes the server sent to clients through this proxy so far. */
  public long bytesFromServer() {
    return fromServer.get();
  }

  private static void pump(Socket from, Socket to, AtomicLong counted) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[16384];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  out.write(buffer, 0, n);
                  out.flush();
                  counted.addAndGet(n);
                }
              } catch (IOException ignored) {
                // the other side closed, or the proxy was cut
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    down();
  }
}
