package io.pgstream.operator.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * A steady OLTP-like writer on public.items (id bigserial, v text, n int) of a source database: an
 * insert every {@code intervalMillis}, an update of a recent row every 7th and a delete of the oldest
 * every 11th, each in its own transaction on one connection, until stopped.
 */
final class SourceWriter implements Runnable {
  private final String url;
  private final String user;
  private final String password;
  private final long intervalMillis;
  private final Thread thread = new Thread(this, "source-writer");
  private volatile boolean running = true;
  private volatile boolean paused;
  private volatile long written;
  private volatile String failure;

  SourceWriter(int port, String database, String user, String password, long intervalMillis) {
    this.url = "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    this.user = user;
    this.password = password;
    this.intervalMillis = intervalMillis;
  }

  void start() {
    thread.start();
  }

  /** The iterations written so far; fails the test if the writer failed. */
  long written() {
    if (failure != null) {
      throw new AssertionError("the writer failed: " + failure);
    }
    return written;
  }

  /** Waits until no statement is in flight, so a verification compares a still source. */
  void pause() {
    paused = true;
    synchronized (this) {
      written();
    }
  }

  void resume() {
    paused = false;
  }

  void stop() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }

  @Override
  public void run() {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      for (long i = 1; running; i++) {
        synchronized (this) {
          if (!paused) {
            s.execute("INSERT INTO public.items (v) VALUES ('w-" + i + "')");
            if (i % 7 == 0) {
              s.execute("UPDATE public.items SET n = n + 1 WHERE id = (SELECT max(id) - 3 FROM public.items)");
            }
            if (i % 11 == 0) {
              s.execute("DELETE FROM public.items WHERE id = (SELECT min(id) FROM public.items)");
            }
            written++;
          }
        }
        Thread.sleep(intervalMillis);
      }
    } catch (Exception e) {
      failure = e.toString();
    }
  }
}
