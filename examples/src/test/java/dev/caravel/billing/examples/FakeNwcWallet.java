package dev.caravel.billing.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.protocol.Nip44;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Nostr relay and an NWC (NIP-47) wallet service in one, on 127.0.0.1, in plain Java: just enough
 * of both for {@code nwc-check}'s success path. The relay speaks WebSocket (handshake and frames by
 * hand) and NIP-01 ({@code REQ}, {@code EVENT}, {@code CLOSE}); the wallet publishes its info event
 * (NIP-44 v2), answers {@code get_info}, {@code make_invoice} (a well-formed BOLT11, unsigned:
 * nothing checks the node signature) and {@code lookup_invoice}.
 */
final class FakeNwcWallet implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

  final NostrKeys wallet = NostrKeys.generate();
  final NostrKeys client = NostrKeys.generate();
  private final ServerSocket server;
  private final Event info;
  private final Map<String, String> invoicesByHash = new ConcurrentHashMap<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  FakeNwcWallet() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    info =
        Event.sign(
            wallet,
            13194,
            List.of(List.of("encryption", "nip44_v2")),
            "get_info make_invoice lookup_invoice",
            Instant.now());
    Thread acceptor = new Thread(this::accept, "fake-nwc-relay");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The connection URI a tenant or operator would be given. */
  String uri() {
    return "nostr+walletconnect://"
        + wallet.publicKeyHex()
        + "?relay=ws://127.0.0.1:"
        + server.getLocalPort()
        + "&secret="
        + client.secretKeyHex();
  }

  // ---- the relay ----

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        sockets.add(socket);
        Thread t = new Thread(() -> serve(socket), "fake-nwc-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    Map<String, JsonNode> subscriptions = new ConcurrentHashMap<>();
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      handshake(in, out);
      while (true) {
        String text = readText(in, out);
        if (text == null) {
          return;
        }
        JsonNode message = JSON.readTree(text);
        switch (message.path(0).asText()) {
          case "REQ" -> {
            String id = message.path(1).asText();
            JsonNode filter = message.path(2);
            subscriptions.put(id, filter);
            if (matches(filter, info)) {
              send(out, List.of("EVENT", id, info.toJsonNode()));
            }
            send(out, List.of("EOSE", id));
          }
          case "CLOSE" -> subscriptions.remove(message.path(1).asText());
          case "EVENT" -> {
            Event request = Event.fromJsonNode(message.path(1));
            send(out, List.of("OK", request.id(), true, ""));
            if (request.kind() == 23194 && request.verify()) {
              Event response = answer(request);
              for (Map.Entry<String, JsonNode> sub : subscriptions.entrySet()) {
                if (matches(sub.getValue(), response)) {
                  send(out, List.of("EVENT", sub.getKey(), response.toJsonNode()));
                }
              }
            }
          }
          default -> send(out, List.of("NOTICE", "unknown message"));
        }
      }
    } catch (Exception e) {
      // the client went away
    }
  }

  private static boolean matches(JsonNode filter, Event event) {
    if (filter.has("kinds") && !contains(filter.get("kinds"), Integer.toString(event.kind()))) {
      return false;
    }
    if (filter.has("authors") && !contains(filter.get("authors"), event.pubkey())) {
      return false;
    }
    if (filter.has("#e")) {
      for (List<String> tag : event.tags()) {
        if (tag.get(0).equals("e") && contains(filter.get("#e"), tag.get(1))) {
          return true;
        }
      }
      return false;
    }
    return true;
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode v : array) {
      if (v.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  // ---- the wallet ----

  private Event answer(Event request) throws IOException {
    JsonNode call = JSON.readTree(Nip44.decrypt(wallet, request.pubkey(), request.content()));
    String method = call.path("method").asText();
    JsonNode params = call.path("params");
    ObjectNode reply = JSON.createObjectNode();
    reply.put("result_type", method);
    ObjectNode result = reply.putObject("result");
    long now = Instant.now().getEpochSecond();
    switch (method) {
      case "get_info" -> {
        result.put("alias", "fake wallet");
        result.put("network", "regtest");
        result.put("pubkey", "");
        ArrayNode methods = result.putArray("methods");
        methods.add("get_info").add("make_invoice").add("lookup_invoice");
      }
      case "make_invoice" -> {
        long msats = params.path("amount").asLong();
        long expiry = params.path("expiry").asLong(3600);
        byte[] hash =
            sha256(
                ("invoice " + now + " " + msats + " " + invoicesByHash.size())
                    .getBytes(StandardCharsets.UTF_8));
        String bolt11 = bolt11(msats, hash, now, expiry);
        String paymentHash = HexFormat.of().formatHex(hash);
        invoicesByHash.put(paymentHash, bolt11);
        result.put("type", "incoming");
        result.put("invoice", bolt11);
        result.put("payment_hash", paymentHash);
        result.put("amount", msats);
        result.put("created_at", now);
        result.put("expires_at", now + expiry);
      }
      case "lookup_invoice" -> {
        String paymentHash = params.path("payment_hash").asText();
        result.put("type", "incoming");
        result.put("invoice", invoicesByHash.getOrDefault(paymentHash, ""));
        result.put("payment_hash", paymentHash);
        result.put("state", "pending");
      }
      default -> {
        reply.remove("result");
        reply.putObject("error").put("code", "NOT_IMPLEMENTED").put("message", method);
      }
    }
    return Event.sign(
        wallet,
        23195,
        List.of(List.of("e", request.id()), List.of("p", request.pubkey())),
        Nip44.encrypt(wallet, request.pubkey(), JSON.writeValueAsString(reply)),
        Instant.now());
  }

  /**
   * A BOLT11 for {@code msats} (a multiple of 100), with a payment hash and expiry; the signature
   * is zeros.
   */
  static String bolt11(long msats, byte[] paymentHash, long timestamp, long expiry) {
    String hrp = "lnbcrt" + (msats / 100) + "n";
    List<Integer> words = new ArrayList<>();
    for (int i = 6; i >= 0; i--) {
      words.add((int) ((timestamp >>> (5 * i)) & 31));
    }
    List<Integer> hashWords = toWords(paymentHash);
    words.add(BECH32.indexOf('p'));
    words.add(hashWords.size() / 32);
    words.add(hashWords.size() % 32);
    words.addAll(hashWords);
    List<Integer> expiryWords = new ArrayList<>();
    for (long e = expiry; e > 0; e >>>= 5) {
      expiryWords.add(0, (int) (e & 31));
    }
    words.add(BECH32.indexOf('x'));
    words.add(expiryWords.size() / 32);
    words.add(expiryWords.size() % 32);
    words.addAll(expiryWords);
    for (int i = 0; i < 104; i++) {
      words.add(0); // the node's signature: not checked by anyone here
    }
    int[] data = words.stream().mapToInt(Integer::intValue).toArray();
    int[] withChecksum = new int[data.length + 6];
    System.arraycopy(data, 0, withChecksum, 0, data.length);
    int polymod = polymod(hrp, withChecksum) ^ 1;
    for (int i = 0; i < 6; i++) {
      withChecksum[data.length + i] = (polymod >>> (5 * (5 - i))) & 31;
    }
    StringBuilder out = new StringBuilder(hrp).append('1');
    for (int w : withChecksum) {
      out.append(BECH32.charAt(w));
    }
    return out.toString();
  }

  private static List<Integer> toWords(byte[] bytes) {
    List<Integer> words = new ArrayList<>();
    int acc = 0;
    int bits = 0;
    for (byte b : bytes) {
      acc = (acc << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        words.add((acc >>> bits) & 31);
      }
    }
    if (bits > 0) {
      words.add((acc << (5 - bits)) & 31);
    }
    return words;
  }

  private static int polymod(String hrp, int[] data) {
    int[] gen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    int chk = 1;
    List<Integer> values = new ArrayList<>();
    for (char c : hrp.toCharArray()) {
      values.add(c >> 5);
    }
    values.add(0);
    for (char c : hrp.toCharArray()) {
      values.add(c & 31);
    }
    for (int d : data) {
      values.add(d);
    }
    for (int v : values) {
      int top = chk >>> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ v;
      for (int i = 0; i < 5; i++) {
        if (((top >>> i) & 1) != 0) {
          chk ^= gen[i];
        }
      }
    }
    return chk;
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- WebSocket, server side ----

  private static void handshake(InputStream in, OutputStream out) throws IOException {
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      headers.write(b);
      matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
    }
    String key = null;
    for (String line : headers.toString(StandardCharsets.US_ASCII).split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:")) {
        key = line.substring(line.indexOf(':') + 1).trim();
      }
    }
    String accept;
    try {
      accept =
          Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-1")
                      .digest(
                          (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                              .getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    out.write(
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: "
                + accept
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** The next text message from the client (frames are masked); null when it closes. */
  private static String readText(InputStream in, OutputStream out) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    while (true) {
      int b0 = readByte(in);
      int b1 = readByte(in);
      int opcode = b0 & 0x0f;
      long length = b1 & 0x7f;
      if (length == 126) {
        length = (readByte(in) << 8) | readByte(in);
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | readByte(in);
        }
      }
      byte[] mask = in.readNBytes(4);
      byte[] payload = in.readNBytes((int) length);
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
      if (opcode == 0x8) {
        return null;
      }
      if (opcode == 0x9) {
        frame(out, 0xA, payload);
        continue;
      }
      message.write(payload);
      if ((b0 & 0x80) != 0) {
        return message.toString(StandardCharsets.UTF_8);
      }
    }
  }

  private static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException();
    }
    return b;
  }

  private static void send(OutputStream out, List<Object> message) throws IOException {
    frame(out, 0x1, JSON.writeValueAsBytes(message));
  }

  private static void frame(OutputStream out, int opcode, byte[] payload) throws IOException {
    synchronized (out) {
      out.write(0x80 | opcode);
      if (payload.length < 126) {
        out.write(payload.length);
      } else if (payload.length < 65536) {
        out.write(126);
        out.write(payload.length >>> 8);
        out.write(payload.length & 0xff);
      } else {
        out.write(127);
        for (int i = 7; i >= 0; i--) {
          out.write((int) (((long) payload.length >>> (8 * i)) & 0xff));
        }
      }
      out.write(payload);
      out.flush();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
