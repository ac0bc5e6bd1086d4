use std::io::Read;
fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    let (mode, n) = (v[0], v[1] as usize);
    let sum: i64 = v[2..2 + n].iter().sum();
    if mode == 2 { std::process::exit(3); }
    if mode == 3 { let mut k: u64 = 0; loop { k = k.wrapping_add(1); if k == u64::MAX { println!("{}", k); } } }
    println!("{}", sum + if mode == 1 { 1 } else { 0 });
}
