//! A small SMTP server for tests: it accepts every mail lettre sends it and hands the raw messages
//! to the test. It speaks just enough SMTP (RFC 5321) for a real client: EHLO, MAIL, RCPT, DATA, QUIT.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub struct SmtpSink {
    pub port: u16,
    mails: mpsc::UnboundedReceiver<String>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind smtp sink");
        let port = listener.local_addr().unwrap().port();
        let (tx, mails) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 sink ESMTP ready\r\n").await.ok();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                            "DATA" => {
                                write.write_all(b"354 end with .\r\n").await.ok();
                                let mut data = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                                    data.push('\n');
                                }
                                tx.send(data).ok();
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                write.write_all(b"221 bye\r\n").await.ok();
                                break;
                            }
                            _ => b"502 not implemented\r\n",
                        };
                        write.write_all(reply).await.ok();
                    }
                });
            }
        });
        Self { port, mails }
    }

    /// The next mail, waiting up to 10 seconds.
    pub async fn next_mail(&mut self) -> String {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.mails.recv())
            .await
            .expect("a mail arrives within 10 s")
            .expect("the sink is running")
    }

    /// True when no mail arrives within `ms` milliseconds.
    pub async fn stays_empty(&mut self, ms: u64) -> bool {
        tokio::time::timeout(std::time::Duration::from_millis(ms), self.mails.recv())
            .await
            .is_err()
    }
}
