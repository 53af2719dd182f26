/**
 * Code tables and traffic patterns: JGS-20 country, currency, unit and transport-mode codes,
 * customs (关区) codes of exit/entry ports, the routes parcels take, and the pools synthetic
 * people are drawn from. Sources and caveats are in the README ("Codes").
 */

/** JGS-20 country (region) codes used as countries of arrival / origin. */
export const COUNTRIES: Readonly<
  Record<string, { name: string; currency: string; air: string[]; sea: string[]; rail: string[] }>
> = {
  '110': { name: '中国香港', currency: '110', air: ['HKG'], sea: ['HKG'], rail: [] },
  '116': { name: '日本', currency: '116', air: ['NRT', 'KIX'], sea: ['TYO', 'OSA'], rail: [] },
  '122': { name: '马来西亚', currency: '122', air: ['KUL'], sea: ['PKG'], rail: [] },
  '132': { name: '新加坡', currency: '132', air: ['SIN'], sea: ['SIN'], rail: [] },
  '133': { name: '韩国', currency: '133', air: ['ICN'], sea: ['INC', 'PUS'], rail: [] },
  '136': { name: '泰国', currency: '136', air: ['BKK'], sea: ['LCH'], rail: [] },
  '303': { name: '英国', currency: '303', air: ['LHR', 'EMA'], sea: ['FXT'], rail: [] },
  '304': { name: '德国', currency: '300', air: ['FRA', 'LEJ'], sea: ['HAM'], rail: ['DUI', 'HAM'] },
  '305': { name: '法国', currency: '300', air: ['CDG'], sea: ['LEH'], rail: [] },
  '307': { name: '意大利', currency: '300', air: ['MXP'], sea: ['GOA'], rail: [] },
  '309': { name: '荷兰', currency: '300', air: ['AMS'], sea: ['RTM'], rail: [] },
  '312': { name: '西班牙', currency: '300', air: ['MAD'], sea: ['VLC'], rail: ['MAD'] },
  '344': { name: '俄罗斯联邦', currency: '344', air: ['SVO'], sea: ['VVO'], rail: ['MOW'] },
  '501': { name: '加拿大', currency: '501', air: ['YVR', 'YYZ'], sea: ['VAN'], rail: [] },
  '502': { name: '美国', currency: '502', air: ['LAX', 'JFK', 'ORD'], sea: ['LAX', 'LGB'], rail: [] },
  '601': { name: '澳大利亚', currency: '601', air: ['SYD', 'MEL'], sea: ['SYD', 'MEL'], rail: [] },
  '609': { name: '新西兰', currency: '609', air: ['AKL'], sea: ['AKL'], rail: [] },
};

/** JGS-20 currency codes with the ISO code they stand for (exchange-rate reference data). */
export const CURRENCIES: Readonly<Record<string, { iso: string; name: string }>> = {
  '110': { iso: 'HKD', name: '港币' },
  '116': { iso: 'JPY', name: '日本元' },
  '122': { iso: 'MYR', name: '马来西亚林吉特' },
  '132': { iso: 'SGD', name: '新加坡元' },
  '133': { iso: 'KRW', name: '韩国元' },
  '136': { iso: 'THB', name: '泰国铢' },
  '142': { iso: 'CNY', name: '人民币' },
  '300': { iso: 'EUR', name: '欧元' },
  '303': { iso: 'GBP', name: '英镑' },
  '344': { iso: 'RUB', name: '俄罗斯卢布' },
  '501': { iso: 'CAD', name: '加拿大元' },
  '502': { iso: 'USD', name: '美元' },
  '601': { iso: 'AUD', name: '澳大利亚元' },
  '609': { iso: 'NZD', name: '新西兰元' },
};

export const CNY = '142';

/** JGS-20 units of measure used by the commodity table. */
export const UNITS: Readonly<Record<string, string>> = {
  '001': '台',
  '003': '辆',
  '005': '架',
  '006': '套',
  '007': '个',
  '008': '只',
  '011': '件',
  '012': '支',
  '015': '条',
  '019': '副',
  '025': '双',
  '030': '米',
  '035': '千克',
  '095': '升',
  '122': '罐',
  '132': '本',
  '136': '袋',
  '140': '盒',
  '142': '瓶',
};

/** JGS-20 transport modes. */
export const TRAF_MODES: Readonly<Record<string, string>> = {
  '2': '水路运输',
  '3': '铁路运输',
  '4': '公路运输',
  '5': '航空运输',
  '6': '邮件运输',
  Y: '保税港区',
};

/** 4-digit customs (关区) codes used as customsCode / portCode. */
export const CUSTOMS: Readonly<Record<string, string>> = {
  '2244': '上海快件',
  '2248': '洋山港区',
  '2249': '洋山保税',
  '2921': '义乌海关',
  '2928': '杭关电商',
  '4240': '青关快件',
  '4258': '青保税港',
  '4600': '郑州海关',
  '5141': '广州白云机场',
  '5316': '深圳关区',
};

export type Transport = 'AIR' | 'SEA' | 'RAIL' | 'ROAD' | 'POST' | 'BONDED';

/** How parcels leave (export) or enter (import): one customs site, one transport, its carriers and countries. */
export interface Route {
  id: string;
  flow: 'E' | 'I';
  /** Trade modes that use this route. */
  tradeModes: ReadonlyArray<string>;
  customsCode: string;
  portCode: string;
  trafMode: string;
  transport: Transport;
  loctNo: string | null;
  /** Carrier enterprise codes serving the route. */
  carriers: ReadonlyArray<string>;
  /** Countries of arrival (export) or departure (import) with weights. */
  countries: ReadonlyArray<readonly [string, number]>;
  /** Import: port of destination in China (IATA / UN/LOCODE location). */
  importPod?: string;
  /** Airlines (AIR) as [IATA code, AWB prefix]. */
  airlines?: ReadonlyArray<readonly [string, string]>;
  weight: number;
}

/** Carrier codes (reference/enterprises.json). */
export const CARRIER = {
  POST: '1105966L01',
  YUNCHENG: '3301966L02',
  XUNLIAN: '4403966L03',
  DONGFANG: '3120966L04',
  SILKRAIL: '4101966L05',
  QINGGANG: '3702966L06',
} as const;

const US_EU: ReadonlyArray<readonly [string, number]> = [
  ['502', 34],
  ['303', 10],
  ['304', 9],
  ['305', 6],
  ['307', 3],
  ['312', 4],
  ['309', 3],
  ['116', 6],
  ['133', 4],
  ['601', 7],
  ['501', 6],
  ['132', 3],
  ['344', 2],
  ['609', 1],
  ['122', 1],
  ['136', 1],
];

export const ROUTES: ReadonlyArray<Route> = [
  // ------------------------------------------------------------------ export, B2C (9610)
  {
    id: 'E-SHA-AIR',
    flow: 'E',
    tradeModes: ['9610'],
    customsCode: '2244',
    portCode: '2244',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '2244K00001',
    carriers: [CARRIER.POST, CARRIER.YUNCHENG, CARRIER.DONGFANG],
    countries: US_EU,
    airlines: [
      ['MU', '781'],
      ['CK', '112'],
      ['CA', '999'],
      ['5Y', '369'],
    ],
    weight: 24,
  },
  {
    id: 'E-HGH-AIR',
    flow: 'E',
    tradeModes: ['9610'],
    customsCode: '2928',
    portCode: '2244',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '2928W00001',
    carriers: [CARRIER.YUNCHENG, CARRIER.POST],
    countries: US_EU,
    airlines: [
      ['MU', '781'],
      ['CK', '112'],
    ],
    weight: 16,
  },
  {
    id: 'E-YIW-AIR',
    flow: 'E',
    tradeModes: ['9610'],
    customsCode: '2921',
    portCode: '2244',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '2921W00002',
    carriers: [CARRIER.YUNCHENG, CARRIER.DONGFANG],
    countries: US_EU,
    airlines: [
      ['CK', '112'],
      ['5Y', '369'],
    ],
    weight: 14,
  },
  {
    id: 'E-CAN-AIR',
    flow: 'E',
    tradeModes: ['9610'],
    customsCode: '5141',
    portCode: '5141',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '5141W00001',
    carriers: [CARRIER.POST, CARRIER.DONGFANG, CARRIER.XUNLIAN],
    countries: US_EU,
    airlines: [
      ['CZ', '784'],
      ['CK', '112'],
    ],
    weight: 16,
  },
  {
    id: 'E-SZX-ROAD',
    flow: 'E',
    tradeModes: ['9610'],
    customsCode: '5316',
    portCode: '5316',
    trafMode: '4',
    transport: 'ROAD',
    loctNo: '5316W00003',
    carriers: [CARRIER.XUNLIAN],
    countries: US_EU,
    weight: 12,
  },
  {
    id: 'E-CGO-AIR',
    flow: 'E',
    tradeModes: ['9610'],
    customsCode: '4600',
    portCode: '4600',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '4600W00001',
    carriers: [CARRIER.SILKRAIL, CARRIER.POST],
    countries: US_EU,
    airlines: [
      ['CV', '172'],
      ['CK', '112'],
    ],
    weight: 8,
  },
  {
    id: 'E-TAO-SEA',
    flow: 'E',
    tradeModes: ['9610'],
    customsCode: '4240',
    portCode: '4240',
    trafMode: '2',
    transport: 'SEA',
    loctNo: '4240W00001',
    carriers: [CARRIER.QINGGANG],
    countries: [
      ['133', 7],
      ['116', 3],
    ],
    weight: 5,
  },
  // ------------------------------------------------------------------ export, B2B (9710) and overseas warehouse (9810)
  {
    id: 'E-YSH-SEA',
    flow: 'E',
    tradeModes: ['9710', '9810'],
    customsCode: '2248',
    portCode: '2248',
    trafMode: '2',
    transport: 'SEA',
    loctNo: null,
    carriers: [CARRIER.DONGFANG, CARRIER.QINGGANG],
    countries: [
      ['502', 40],
      ['304', 12],
      ['303', 10],
      ['116', 8],
      ['601', 10],
      ['501', 8],
      ['309', 6],
      ['312', 6],
    ],
    weight: 50,
  },
  {
    id: 'E-CGO-RAIL',
    flow: 'E',
    tradeModes: ['9710', '9810'],
    customsCode: '4600',
    portCode: '4600',
    trafMode: '3',
    transport: 'RAIL',
    loctNo: null,
    carriers: [CARRIER.SILKRAIL],
    countries: [
      ['304', 50],
      ['312', 20],
      ['344', 30],
    ],
    weight: 20,
  },
  {
    id: 'E-YIW-RAIL',
    flow: 'E',
    tradeModes: ['9710', '9810'],
    customsCode: '2921',
    portCode: '2921',
    trafMode: '3',
    transport: 'RAIL',
    loctNo: null,
    carriers: [CARRIER.SILKRAIL],
    countries: [
      ['312', 50],
      ['304', 30],
      ['344', 20],
    ],
    weight: 15,
  },
  {
    id: 'E-SHA-AIR-B2B',
    flow: 'E',
    tradeModes: ['9710'],
    customsCode: '2244',
    portCode: '2244',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '2244K00001',
    carriers: [CARRIER.DONGFANG],
    countries: US_EU,
    airlines: [
      ['MU', '781'],
      ['CK', '112'],
    ],
    weight: 15,
  },
  // ------------------------------------------------------------------ import
  {
    id: 'I-SHA-AIR',
    flow: 'I',
    importPod: 'PVG',
    tradeModes: ['9610'],
    customsCode: '2244',
    portCode: '2244',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '2244K00002',
    carriers: [CARRIER.POST, CARRIER.YUNCHENG, CARRIER.DONGFANG],
    countries: [
      ['116', 30],
      ['133', 20],
      ['502', 20],
      ['601', 12],
      ['304', 8],
      ['305', 6],
      ['609', 4],
    ],
    airlines: [
      ['MU', '781'],
      ['CK', '112'],
      ['CA', '999'],
    ],
    weight: 30,
  },
  {
    id: 'I-CAN-AIR',
    flow: 'I',
    importPod: 'CAN',
    tradeModes: ['9610'],
    customsCode: '5141',
    portCode: '5141',
    trafMode: '5',
    transport: 'AIR',
    loctNo: '5141W00002',
    carriers: [CARRIER.POST, CARRIER.XUNLIAN],
    countries: [
      ['116', 25],
      ['133', 25],
      ['502', 20],
      ['601', 20],
      ['609', 10],
    ],
    airlines: [['CZ', '784']],
    weight: 20,
  },
  {
    id: 'I-TAO-BONDED',
    flow: 'I',
    importPod: 'TAO',
    tradeModes: ['1210'],
    customsCode: '4258',
    portCode: '4258',
    trafMode: 'Y',
    transport: 'BONDED',
    loctNo: '4258B00001',
    carriers: [CARRIER.QINGGANG, CARRIER.YUNCHENG],
    countries: [
      ['133', 35],
      ['116', 25],
      ['601', 20],
      ['502', 10],
      ['304', 10],
    ],
    weight: 25,
  },
  {
    id: 'I-YSH-BONDED',
    flow: 'I',
    importPod: 'SHA',
    tradeModes: ['1210'],
    customsCode: '2249',
    portCode: '2249',
    trafMode: 'Y',
    transport: 'BONDED',
    loctNo: '2249B00001',
    carriers: [CARRIER.DONGFANG, CARRIER.POST],
    countries: [
      ['116', 30],
      ['601', 20],
      ['304', 15],
      ['305', 15],
      ['502', 10],
      ['609', 10],
    ],
    weight: 25,
  },
];

/** Ship names for sea voyages and vehicle plates for road transport to Hong Kong (fictional). */
export const VESSELS: ReadonlyArray<string> = [
  'XIN HAI YANG',
  'DONG FANG HONG 9',
  'QING GANG 12',
  'HUA HAI XING',
  'YANG SHAN EXPRESS',
  'JIN QIAO',
];

// ------------------------------------------------------------------------------- people
export const SURNAMES: ReadonlyArray<string> = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '胡',
  '朱',
  '高',
  '林',
  '何',
  '郭',
  '马',
  '罗',
  '梁',
  '宋',
  '郑',
  '谢',
  '韩',
  '唐',
  '冯',
  '于',
  '董',
  '萧',
  '程',
  '曹',
  '袁',
  '邓',
  '许',
  '傅',
  '沈',
  '曾',
  '彭',
  '吕',
];
export const GIVEN_CHARS: ReadonlyArray<string> = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀',
  '霞',
  '平',
  '刚',
  '桂',
  '英',
  '华',
  '建',
  '文',
  '辉',
  '玲',
  '婷',
  '晨',
  '宇',
  '浩',
  '欣',
  '怡',
  '佳',
  '俊',
  '博',
  '雪',
  '琳',
  '倩',
];

/** County-level districts (GB/T 2260 codes) for addresses and identity numbers. */
export const DISTRICTS: ReadonlyArray<{ code: string; address: string; streets: ReadonlyArray<string> }> = [
  { code: '110105', address: '北京市朝阳区', streets: ['建国路', '望京街', '朝阳北路', '酒仙桥路'] },
  { code: '110108', address: '北京市海淀区', streets: ['中关村大街', '学院路', '知春路', '西三环北路'] },
  { code: '120101', address: '天津市和平区', streets: ['南京路', '滨江道', '成都道'] },
  { code: '310104', address: '上海市徐汇区', streets: ['漕溪北路', '衡山路', '田林路', '虹漕路'] },
  { code: '310115', address: '上海市浦东新区', streets: ['世纪大道', '张杨路', '杨高南路', '川沙路'] },
  { code: '320106', address: '江苏省南京市鼓楼区', streets: ['中山北路', '湖南路', '汉中门大街'] },
  { code: '330106', address: '浙江省杭州市西湖区', streets: ['文三路', '天目山路', '古墩路', '西溪路'] },
  { code: '330782', address: '浙江省金华市义乌市', streets: ['稠州北路', '宾王路', '工人北路'] },
  { code: '350203', address: '福建省厦门市思明区', streets: ['湖滨南路', '厦禾路', '莲前西路'] },
  { code: '370212', address: '山东省青岛市崂山区', streets: ['香港东路', '海尔路', '松岭路'] },
  { code: '410105', address: '河南省郑州市金水区', streets: ['花园路', '农业路', '经三路'] },
  { code: '420106', address: '湖北省武汉市武昌区', streets: ['中南路', '武珞路', '和平大道'] },
  { code: '430104', address: '湖南省长沙市岳麓区', streets: ['麓山南路', '桐梓坡路', '枫林一路'] },
  {
    code: '440106',
    address: '广东省广州市天河区',
    streets: ['天河路', '体育西路', '黄埔大道西', '中山大道西'],
  },
  {
    code: '440305',
    address: '广东省深圳市南山区',
    streets: ['深南大道', '科技园路', '南海大道', '后海大道'],
  },
  { code: '500105', address: '重庆市江北区', streets: ['建新北路', '北城天街', '洋河路'] },
  { code: '510107', address: '四川省成都市武侯区', streets: ['人民南路', '科华北路', '武侯祠大街'] },
  { code: '610113', address: '陕西省西安市雁塔区', streets: ['小寨东路', '科技路', '长安南路'] },
];

/**
 * Synthetic people on the watchlist (reference/watchlist.json holds only sha256 of their id
 * number or name). Their district 659001 and their names use characters the pools above never
 * produce, so ordinary traffic cannot hit them by chance.
 */
export const WATCHLISTED_PEOPLE: ReadonlyArray<{
  entryId: string;
  subjectType: 'BUYER' | 'CONSIGNEE';
  name: string;
  idNumber: string;
}> = [
  { entryId: 'WL-B-0001', subjectType: 'BUYER', name: '欧阳旭东', idNumber: '659001198703150032' },
  { entryId: 'WL-B-0002', subjectType: 'BUYER', name: '司马晓燕', idNumber: '659001199211080044' },
  { entryId: 'WL-C-0001', subjectType: 'CONSIGNEE', name: '诸葛振邦', idNumber: '659001197905220014' },
  { entryId: 'WL-C-0002', subjectType: 'CONSIGNEE', name: '上官若兰', idNumber: '659001198812300060' },
];
