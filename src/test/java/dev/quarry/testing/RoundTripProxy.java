package dev.quarry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of PostgreSQL that counts database round trips as the wire sees them. A round trip (a
 * "turn") is counted when a client sends bytes after the proxy delivered it server bytes: the client waited for an
 * answer before it could go on. Commands a client pipelines behind each other count once. Server bytes are held for
 * a fixed latency before delivery (as a network between Lambda and the database would), which makes the count
 * deterministic: pipelined writes, microseconds apart, all reach the server long before any answer reaches the
 * client. It also records how many connections were waiting on the server at once (concurrent statements).
 */
public final class RoundTripProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final long latencyMillis;
    private final AtomicInteger turns = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger maxWaiting = new AtomicInteger();
    private volatile boolean closed;

    public RoundTripProxy(String targetHost, int targetPort, long latencyMillis) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.latencyMillis = latencyMillis;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "round-trip-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Round trips since the last {@link #reset()}, over all connections. */
    public int turns() {
        return turns.get();
    }

    /** The most connections waiting on the server at the same moment since the last {@link #reset()}. */
    public int maxConcurrent() {
        return maxWaiting.get();
    }

    public void reset() {
        turns.set(0);
        maxWaiting.set(waiting.get());
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                Link link = new Link();
                start(() -> clientToServer(client, upstream, link));
                start(() -> serverToClient(upstream, client, link));
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static void start(Runnable body) {
        Thread t = new Thread(body, "round-trip-proxy-link");
        t.setDaemon(true);
        t.start();
    }

    /** One client connection's state: whether it has received server bytes since it last sent, and is waiting. */
    private static final class Link {
        boolean answered = true;
        boolean waiting;
    }

    private void clientToServer(Socket client, Socket upstream, Link link) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (link) {
                    if (link.answered) {
                        turns.incrementAndGet();
                        link.answered = false;
                    }
                    if (!link.waiting) {
                        link.waiting = true;
                        maxWaiting.accumulateAndGet(waiting.incrementAndGet(), Math::max);
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a side closed: the link ends
        } finally {
            closeQuietly(client, upstream);
        }
    }

    private record Chunk(long due, byte[] bytes) {
    }

    private void serverToClient(Socket upstream, Socket client, Link link) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        start(() -> deliver(queue, client, upstream, link));
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = upstream.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                queue.add(new Chunk(System.nanoTime() + latencyMillis * 1_000_000, Arrays.copyOf(buffer, n)));
            }
        } catch (IOException e) {
            // a side closed: the link ends
        } finally {
            queue.add(new Chunk(0, null));
        }
    }

    private void deliver(BlockingQueue<Chunk> queue, Socket client, Socket upstream, Link link) {
        try (OutputStream out = client.getOutputStream()) {
            while (true) {
                Chunk chunk = queue.take();
                if (chunk.bytes() == null) {
                    return;
                }
                long wait = chunk.due() - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                synchronized (link) {
                    out.write(chunk.bytes());
                    out.flush();
                    link.answered = true;
                    if (link.waiting) {
                        link.waiting = false;
                        waiting.decrementAndGet();
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // a side closed: the link ends
        } finally {
            closeQuietly(client, upstream);
        }
    }

    private static void closeQuietly(Socket... sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
