#!/usr/bin/env python3
"""Build newsq's bundled sample archive under data/news/.

Every sentence below is newsq's own writing about real events; only the
page layout follows the "the Context" archive. Stdlib only, deterministic.
Run:  python3 data/build_sample.py        (rewrites data/news/ from scratch)
"""
import datetime as dt
import hashlib
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "news")

EVENTS = []


def E(date, topic, title, contexts, summary=None, sources=None, **flags):
    EVENTS.append(dict(date=date, topic=topic, title=title,
                       contexts=[c.strip() for c in contexts.split(";")],
                       summary=summary, sources=sources or [], **flags))


def W(article):
    return ("Wikipedia", "https://en.wikipedia.org/wiki/" + article.replace(" ", "_"))


ESA_MEX = ("ESA", "https://www.esa.int/Science_Exploration/Space_Science/Mars_Express")
ESA_EXO = ("ESA", "https://www.esa.int/Science_Exploration/Human_and_Robotic_Exploration/Exploration/ExoMars")
NASA_MARS = ("NASA", "https://mars.nasa.gov/")

# ---------------------------------------------------------------- 1999
E("1999-01-01", "Euro", "The euro becomes the official currency of eleven European Union member states, replacing their national currencies for non-cash transactions.",
  "Euro; European Central Bank; European Union",
  "Banknotes and coins will only follow in 2002; until then the old currencies remain in circulation at fixed conversion rates.",
  [W("Euro")], key="euro1999")
E("1999-01-04", "Euro", "The euro is traded on the foreign exchange markets for the first time and gains against the U.S. dollar on its opening day.",
  "Euro; United States dollar; foreign exchange market")
E("1999-01-07", "Impeachment of Bill Clinton", "The impeachment trial of U.S. President Bill Clinton opens in the United States Senate, with Chief Justice William Rehnquist presiding.",
  "Bill Clinton; United States Senate; impeachment; William Rehnquist")
E("1999-01-08", "The Rescuers", "The Walt Disney Company recalls 3.4 million home video copies of the animated film \"The Rescuers\" after an improper image is found in two frames of the movie.",
  "The Rescuers; Walt Disney Company",
  changes=("The Walt Disney Company recalls 3.4 million videocassettes of ''The Rescuers'' over an improper image hidden in the film.", "2018-02-06 13:49:15"))
E("1999-02-12", "Impeachment of Bill Clinton", "The U.S. Senate acquits President Bill Clinton on both articles of impeachment, perjury and obstruction of justice.",
  "Bill Clinton; United States Senate; impeachment",
  "Neither charge came close to the two-thirds majority required for removal from office.")
E("1999-03-24", "Kosovo War", "NATO begins air strikes against the Federal Republic of Yugoslavia over the crackdown on ethnic Albanians in Kosovo.",
  "Kosovo; NATO; Slobodan Milosevic; Yugoslavia", sources=[W("NATO bombing of Yugoslavia")])
E("1999-04-20", "Columbine High School massacre", "Two students shoot dead twelve classmates and a teacher at Columbine High School in Littleton, Colorado, before killing themselves.",
  "Colorado; Columbine High School; school shooting")
E("1999-06-10", "Kosovo War", "NATO suspends its bombing campaign after Yugoslav forces begin leaving Kosovo, and the UN Security Council adopts Resolution 1244 placing the province under international administration.",
  "Kosovo; NATO; United Nations Security Council; Yugoslavia")
E("1999-08-11", None, "A total solar eclipse crosses Europe from Cornwall to Romania before continuing over the Middle East and South Asia.",
  "Europe; solar eclipse")
E("1999-08-17", "1999 Izmit earthquake", "A magnitude 7.6 earthquake centred near Izmit devastates north-western Turkey, killing more than 17,000 people.",
  "Izmit; Turkey; earthquake", sources=[W("1999 İzmit earthquake")])
E("1999-09-21", "1999 Jiji earthquake", "A magnitude 7.6 earthquake strikes central Taiwan near Chi-Chi, killing about 2,400 people.",
  "Taiwan; earthquake")
E("1999-09-23", "Mars Climate Orbiter", "NASA loses contact with the Mars Climate Orbiter as the probe fires its engine to enter orbit around Mars.",
  "Mars; Mars Climate Orbiter; NASA",
  "Investigators later trace the loss to one team using imperial units while another expected metric ones, which sent the spacecraft far too low into the Martian atmosphere.")
E("1999-10-12", "1999 Pakistani coup d'etat", "General Pervez Musharraf seizes power in Pakistan in a bloodless military coup, deposing Prime Minister Nawaz Sharif.",
  "Nawaz Sharif; Pakistan; Pervez Musharraf")
E("1999-12-03", "Mars Polar Lander", "Controllers fail to hear from NASA's Mars Polar Lander after it begins its descent toward the south polar region of Mars.",
  "Mars; Mars Polar Lander; NASA")
E("1999-12-20", "Transfer of sovereignty over Macau", "Portugal hands Macau back to China, ending more than four centuries of Portuguese administration.",
  "China; Macau; Portugal")
E("1999-12-31", "Boris Yeltsin", "Russian President Boris Yeltsin resigns in a televised New Year's Eve address and names Prime Minister Vladimir Putin acting president.",
  "Boris Yeltsin; Russia; Vladimir Putin", sources=[W("Boris Yeltsin")])

# ---------------------------------------------------------------- 2000-2002
E("2000-03-26", "2000 Russian presidential election", "Vladimir Putin wins the Russian presidential election in the first round.",
  "Russia; Vladimir Putin; elections")
E("2000-06-26", "Human Genome Project", "U.S. President Bill Clinton and British Prime Minister Tony Blair announce that a working draft of the human genome has been completed.",
  "Bill Clinton; Human Genome Project; Tony Blair",
  "The public consortium and the company Celera Genomics present their results together.")
E("2000-07-25", "Air France Flight 4590", "An Air France Concorde crashes into a hotel in Gonesse shortly after take-off from Charles de Gaulle Airport, killing all 109 people on board and four on the ground.",
  "Air France; Concorde; Paris", sources=[W("Air France Flight 4590")])
E("2000-08-12", "Kursk submarine disaster", "The Russian nuclear submarine Kursk sinks in the Barents Sea after explosions in its torpedo compartment; all 118 crew members die.",
  "Barents Sea; Kursk; Russia; Russian Navy")
E("2000-09-15", "2000 Summer Olympics", "The Games of the XXVII Olympiad open in Sydney, Australia.",
  "Australia; Olympic Games; Sydney")
E("2000-10-31", "Expedition 1", "A Soyuz rocket lifts off from the Baikonur Cosmodrome in Kazakhstan carrying the first resident crew of the International Space Station.",
  "Baikonur; Expedition 1; International Space Station; Kazakhstan",
  "William Shepherd, Yuri Gidzenko and Sergei Krikalev are aboard Soyuz TM-31.")
E("2000-11-02", "Expedition 1", "The Expedition 1 crew docks with the International Space Station, beginning its continuous human occupation.",
  "Expedition 1; International Space Station")
E("2000-11-07", "United States presidential election, 2000", "Americans vote for a new president; the contest between George W. Bush and Al Gore is too close to call in Florida.",
  "Al Gore; Florida; George W. Bush; United States presidential election; elections")
E("2000-12-12", "Bush v. Gore", "The Supreme Court of the United States halts the Florida recount, effectively handing the presidency to George W. Bush.",
  "Al Gore; Florida; George W. Bush; Supreme Court of the United States")
E("2001-01-01", "Euro", "Greece joins the eurozone, becoming its twelfth member.",
  "Euro; Greece", sources=[W("Greece and the euro")])
E("2001-01-26", "2001 Gujarat earthquake", "A magnitude 7.7 earthquake strikes the Indian state of Gujarat on Republic Day, killing around 20,000 people.",
  "Gujarat; India; earthquake")
E("2001-03-23", "Mir", "The Russian space station Mir is steered out of orbit and its remains fall into the South Pacific after 15 years in space.",
  "Mir; Pacific Ocean; Russia")
E("2001-04-07", "2001 Mars Odyssey", "NASA launches the 2001 Mars Odyssey orbiter on a Delta II rocket from Cape Canaveral.",
  "2001 Mars Odyssey; Cape Canaveral; Mars; NASA")
E("2001-04-28", "Dennis Tito", "American businessman Dennis Tito becomes the first paying space tourist as Soyuz TM-32 lifts off from Baikonur toward the International Space Station.",
  "Baikonur; Dennis Tito; International Space Station; Kazakhstan; space tourism")
E("2001-09-11", "September 11 attacks", "Hijacked airliners strike both towers of the World Trade Center in New York and the Pentagon, and a fourth plane crashes in Pennsylvania; nearly 3,000 people are killed.",
  "New York City; Pentagon; September 11; World Trade Center; al-Qaeda",
  "Both towers collapse within two hours of being hit.", [W("September 11 attacks")])
E("2001-10-07", "War in Afghanistan (2001-2014)", "The United States and the United Kingdom begin air strikes on Taliban and al-Qaeda targets in Afghanistan.",
  "Afghanistan; George W. Bush; Taliban; War in Afghanistan; al-Qaeda")
E("2001-10-24", "2001 Mars Odyssey", "NASA's 2001 Mars Odyssey fires its main engine and slips into orbit around Mars.",
  "2001 Mars Odyssey; Mars; NASA")
E("2002-01-01", "Euro", "Euro banknotes and coins go into circulation in twelve European countries.",
  "Euro; European Central Bank; eurozone",
  "Shops and cash machines switch over within days, and the old currencies are withdrawn by the end of February.",
  [W("Euro banknotes")], key="euro2002")
E("2002-04-21", "French presidential election, 2002", "Far-right leader Jean-Marie Le Pen finishes second in the first round of the French presidential election, eliminating Socialist Prime Minister Lionel Jospin.",
  "France; Jacques Chirac; Jean-Marie Le Pen; Lionel Jospin; elections")
E("2002-05-05", "French presidential election, 2002", "Jacques Chirac is re-elected President of France with about 82 percent of the vote in the run-off against Jean-Marie Le Pen.",
  "France; Jacques Chirac; Jean-Marie Le Pen; elections")

# ---------------------------------------------------------------- 2003
E("2003-02-01", "Space Shuttle Columbia disaster", "Space Shuttle Columbia breaks apart over Texas during re-entry, killing all seven astronauts, among them Israel's first astronaut Ilan Ramon.",
  "Ilan Ramon; NASA; Space Shuttle Columbia; Texas", sources=[W("Space Shuttle Columbia disaster")])
E("2003-03-20", "2003 invasion of Iraq", "The U.S.-led invasion of Iraq begins with air strikes on Baghdad aimed at Saddam Hussein and the Iraqi leadership.",
  "Baghdad; George W. Bush; Iraq; Iraq War; Saddam Hussein",
  "Ground forces cross from Kuwait into southern Iraq within hours.")
E("2003-04-09", "Fall of Baghdad", "U.S. troops take control of central Baghdad, and a statue of Saddam Hussein in Firdos Square is pulled down.",
  "Baghdad; Iraq; Iraq War; Saddam Hussein")
E("2003-04-14", "Human Genome Project", "The Human Genome Project announces that it has finished sequencing the human genome, two years ahead of schedule.",
  "Human Genome Project; genetics")
E("2003-05-01", "Mission Accomplished speech", "Aboard the aircraft carrier USS Abraham Lincoln, U.S. President George W. Bush declares that major combat operations in Iraq have ended.",
  "George W. Bush; Iraq War; USS Abraham Lincoln")
E("2003-06-02", "Mars Express", "Europe's first mission to Mars begins as the European Space Agency's Mars Express probe lifts off from the Baikonur Cosmodrome in Kazakhstan.",
  "Baikonur; European Space Agency; Kazakhstan; Mars; Mars Express",
  "A Soyuz-Fregat rocket carries the orbiter and the British-built Beagle 2 lander, which are due to reach the red planet at the end of December.",
  [ESA_MEX, W("Mars Express")], key="mex", force_ctx=True)
E("2003-06-02", "Federal Communications Commission", "The U.S. Federal Communications Commission votes 3-2 to loosen its media ownership rules, letting a single company reach up to 45 percent of the national television audience.",
  "Federal Communications Commission; media ownership; United States")
E("2003-06-02", None, "A report by the U.S. Justice Department's Inspector General finds serious problems in the treatment of immigrants held after the September 11 attacks, including abuse at a federal jail in Brooklyn.",
  "Department of Justice; September 11; immigration detention")
E("2003-06-02", "29th G8 summit", "Leaders of the G8 meet for a second day in Evian-les-Bains, France, with the Iraq war and the Middle East on the agenda.",
  "Evian-les-Bains; France; G8; Jacques Chirac")
E("2003-06-02", "Road map for peace", "U.S. President George W. Bush leaves the G8 summit early and flies to Sharm el-Sheikh, Egypt, to meet Arab leaders about the road map for Israeli-Palestinian peace.",
  "Egypt; George W. Bush; G8; Israel; Palestinian", sources=[W("Road map for peace")])
E("2003-06-02", "Movement for Democratic Change", "Zimbabwe's opposition Movement for Democratic Change starts a week of mass protests against President Robert Mugabe, and troops and police are deployed in Harare.",
  "Harare; Morgan Tsvangirai; Robert Mugabe; Zimbabwe")
E("2003-06-02", "Iraq War", "Several thousand former Iraqi soldiers demonstrate in Baghdad for back pay after the coalition disbanded the army, with some warning of attacks on U.S. forces.",
  "Baghdad; Coalition Provisional Authority; Iraq; Iraq War")
E("2003-08-19", "Canal Hotel bombing", "A truck bomb destroys the United Nations headquarters at the Canal Hotel in Baghdad, killing 22 people including UN envoy Sergio Vieira de Mello.",
  "Baghdad; Iraq War; Sergio Vieira de Mello; United Nations")
E("2003-10-15", "Shenzhou 5", "China becomes the third country to send a human into space on its own rocket as Yang Liwei is launched aboard Shenzhou 5 from Jiuquan.",
  "China; Jiuquan; Shenzhou 5; Yang Liwei")
E("2003-10-24", "Concorde", "Concorde makes its last commercial flight, British Airways' service from New York landing at London Heathrow.",
  "British Airways; Concorde; London")
E("2003-12-14", "Capture of Saddam Hussein", "U.S. administrator Paul Bremer announces that American troops have captured former Iraqi leader Saddam Hussein in a hideout near Tikrit.",
  "Iraq; Iraq War; Paul Bremer; Saddam Hussein; Tikrit",
  "He was found the previous evening in an underground hiding place on a farm at ad-Dawr.", key="saddam")
E("2003-12-19", "Beagle 2", "The British Beagle 2 lander separates from the European Space Agency's Mars Express spacecraft, six days before it is due to land on Mars.",
  "Beagle 2; European Space Agency; Mars; Mars Express",
  "The lander has no engine of its own and is now on a coasting path toward Isidis Planitia.", [ESA_MEX])
E("2003-12-19", "Libya and weapons of mass destruction", "Libya announces that it will give up its programmes to develop weapons of mass destruction and allow international inspectors in.",
  "Libya; Muammar Gaddafi; weapons of mass destruction")
E("2003-12-25", "Mars Express", "Mars Express enters orbit around Mars, but no signal is received from the Beagle 2 lander after its planned touchdown.",
  "Beagle 2; European Space Agency; Mars; Mars Express")
E("2003-12-26", "2003 Bam earthquake", "A magnitude 6.6 earthquake destroys much of the ancient city of Bam in south-eastern Iran, killing more than 26,000 people.",
  "Bam; Iran; earthquake", sources=[W("2003 Bam earthquake")])

# ---------------------------------------------------------------- 2004-2006
E("2004-01-04", "Spirit (rover)", "NASA's Mars Exploration Rover Spirit bounces to a safe landing inside Gusev crater on Mars.",
  "Mars; Mars Exploration Rover; NASA; Spirit",
  "The airbag-cushioned lander sends home its first pictures within hours.", [NASA_MARS])
E("2004-01-23", "Mars Express", "Scientists working with Mars Express report that the probe's OMEGA spectrometer has directly detected water ice at the south pole of Mars.",
  "European Space Agency; Mars; Mars Express; water", sources=[ESA_MEX])
E("2004-01-25", "Opportunity (rover)", "The second Mars Exploration Rover, Opportunity, lands on Meridiani Planum on the opposite side of Mars from Spirit.",
  "Mars; Mars Exploration Rover; NASA; Opportunity")
E("2004-02-04", "Facebook", "Harvard student Mark Zuckerberg launches the social networking website \"TheFacebook\".",
  "Facebook; Harvard University; Mark Zuckerberg")
E("2004-03-11", "2004 Madrid train bombings", "Bombs explode on four commuter trains in Madrid during the morning rush hour, killing 191 people.",
  "Madrid; Spain; terrorism", sources=[W("2004 Madrid train bombings")])
E("2004-06-28", "Iraqi Interim Government", "The Coalition Provisional Authority hands sovereignty to the Iraqi Interim Government led by Prime Minister Iyad Allawi, two days ahead of schedule.",
  "Coalition Provisional Authority; Iraq; Iraq War; Iyad Allawi; Paul Bremer")
E("2004-07-01", "Cassini-Huygens", "The Cassini spacecraft becomes the first to enter orbit around Saturn.",
  "Cassini; NASA; Saturn")
E("2004-08-13", "2004 Summer Olympics", "The Summer Olympic Games return to Greece as the opening ceremony takes place in Athens.",
  "Athens; Greece; Olympic Games")
E("2004-11-02", "United States presidential election, 2004", "U.S. President George W. Bush wins a second term, defeating Democratic candidate John Kerry.",
  "George W. Bush; John Kerry; United States presidential election; elections")
E("2004-12-26", "2004 Indian Ocean earthquake and tsunami", "A magnitude 9.1 undersea earthquake off Sumatra sends tsunami waves across the Indian Ocean, killing more than 200,000 people in a dozen countries.",
  "Indian Ocean; Indonesia; Sri Lanka; Thailand; earthquake; tsunami",
  "Indonesia's Aceh province suffers the heaviest losses.", [W("2004 Indian Ocean earthquake and tsunami")])
E("2005-01-14", "Huygens (spacecraft)", "The European Space Agency's Huygens probe parachutes onto Titan, the largest moon of Saturn, and sends back images of its surface.",
  "Cassini; European Space Agency; Huygens; Saturn; Titan")
E("2005-01-30", "Iraqi parliamentary election, January 2005", "Iraqis vote for a Transitional National Assembly in the country's first multi-party election in decades.",
  "Iraq; Iraq War; elections")
E("2005-02-16", "Kyoto Protocol", "The Kyoto Protocol on reducing greenhouse gas emissions enters into force.",
  "Kyoto Protocol; climate change; greenhouse gas")
E("2005-07-06", "2012 Summer Olympics", "Meeting in Singapore, the International Olympic Committee picks London over Paris to host the 2012 Summer Olympics.",
  "International Olympic Committee; London; Olympic Games; Paris; Singapore")
E("2005-07-07", "7 July 2005 London bombings", "Suicide bombers attack three London Underground trains and a double-decker bus, killing 52 people.",
  "London; London Underground; United Kingdom; terrorism", sources=[W("7 July 2005 London bombings")])
E("2005-07-24", "2005 Tour de France", "Lance Armstrong wins the Tour de France for a seventh successive time and retires from professional cycling.",
  "Lance Armstrong; Paris; Tour de France")
E("2005-07-26", "STS-114", "Space Shuttle Discovery lifts off from the Kennedy Space Center on the first shuttle flight since the Columbia disaster.",
  "International Space Station; Kennedy Space Center; NASA; Space Shuttle Discovery")
E("2005-08-12", "Mars Reconnaissance Orbiter", "NASA launches the Mars Reconnaissance Orbiter on an Atlas V rocket from Cape Canaveral.",
  "Cape Canaveral; Mars; Mars Reconnaissance Orbiter; NASA")
E("2005-08-29", "Hurricane Katrina", "Hurricane Katrina makes landfall in south-eastern Louisiana; levee failures later flood most of New Orleans.",
  "Hurricane Katrina; Louisiana; New Orleans",
  "More than 1,800 deaths are eventually attributed to the storm.", [W("Hurricane Katrina")])
E("2005-10-08", "2005 Kashmir earthquake", "A magnitude 7.6 earthquake strikes Pakistani-administered Kashmir, killing more than 80,000 people in Pakistan and India.",
  "India; Kashmir; Pakistan; earthquake")
E("2005-11-22", "Angela Merkel", "Angela Merkel is sworn in as the first female Chancellor of Germany, at the head of a grand coalition.",
  "Angela Merkel; Bundestag; Germany")
E("2006-01-19", "New Horizons", "NASA launches the New Horizons probe from Cape Canaveral on a nine-year journey to Pluto.",
  "Cape Canaveral; NASA; New Horizons; Pluto")
E("2006-03-10", "Mars Reconnaissance Orbiter", "The Mars Reconnaissance Orbiter completes its orbit insertion burn and is captured by the gravity of Mars.",
  "Mars; Mars Reconnaissance Orbiter; NASA")
E("2006-07-09", "2006 FIFA World Cup Final", "Italy wins the FIFA World Cup, beating France on penalties in Berlin after a 1-1 draw in which Zinedine Zidane is sent off for a headbutt.",
  "Berlin; FIFA World Cup; France; Italy; Zinedine Zidane")
E("2006-08-24", "IAU definition of planet", "The International Astronomical Union adopts a definition of a planet that reclassifies Pluto as a dwarf planet.",
  "International Astronomical Union; Pluto; Prague")
E("2006-09-18", "Soyuz TMA-9", "Soyuz TMA-9 launches from Baikonur with Michael Lopez-Alegria and Mikhail Tyurin and with Anousheh Ansari, the first woman to fly as a space tourist.",
  "Anousheh Ansari; Baikonur; International Space Station; Kazakhstan; Soyuz TMA-9; space tourism",
  "Ansari, an Iranian-American engineer and entrepreneur, will spend about eight days on the International Space Station.")
E("2006-10-09", "2006 North Korean nuclear test", "North Korea announces that it has carried out its first nuclear weapons test.",
  "North Korea; nuclear test")
E("2006-12-30", "Execution of Saddam Hussein", "Former Iraqi president Saddam Hussein is hanged in Baghdad.",
  "Baghdad; Iraq; Saddam Hussein")

# ---------------------------------------------------------------- 2007-2009
E("2007-01-01", "Slovenia and the euro", "Slovenia adopts the euro, the first of the countries that joined the European Union in 2004 to do so.",
  "Euro; European Union; Slovenia")
E("2007-01-01", "2007 enlargement of the European Union", "Bulgaria and Romania join the European Union, bringing its membership to 27 states.",
  "Bulgaria; European Union; Romania")
E("2007-01-09", "iPhone", "Apple's Steve Jobs unveils the iPhone at the Macworld conference in San Francisco.",
  "Apple Inc.; San Francisco; Steve Jobs; iPhone")
E("2007-06-27", "Gordon Brown", "Tony Blair steps down after ten years as British Prime Minister and is succeeded by Gordon Brown.",
  "Gordon Brown; Tony Blair; United Kingdom")
E("2008-01-01", "Euro", "Cyprus and Malta adopt the euro.",
  "Cyprus; Euro; Malta")
E("2008-05-12", "2008 Sichuan earthquake", "A magnitude 7.9 earthquake strikes Sichuan province in China, killing nearly 70,000 people.",
  "China; Sichuan; earthquake", "Many of the dead are children trapped in collapsed schools.")
E("2008-05-25", "Phoenix (spacecraft)", "NASA's Phoenix lander touches down in the northern polar plains of Mars.",
  "Mars; NASA; Phoenix; water")
E("2008-08-08", "2008 Summer Olympics", "The Beijing Olympic Games open with a spectacular ceremony at the National Stadium.",
  "Beijing; China; Olympic Games")
E("2008-08-08", "Russo-Georgian War", "Russian forces move into South Ossetia after Georgian troops launch an offensive on the breakaway region's capital Tskhinvali.",
  "Georgia; Russia; South Ossetia", dayonly=True)
E("2008-08-16", "Athletics at the 2008 Summer Olympics", "Usain Bolt of Jamaica wins the Olympic 100 metres in Beijing in a world record 9.69 seconds.",
  "Beijing; Olympic Games; Usain Bolt; athletics", key="bolt")
E("2008-08-17", "Michael Phelps", "U.S. swimmer Michael Phelps wins his eighth gold medal of the Beijing Games, breaking Mark Spitz's 1972 record.",
  "Beijing; Michael Phelps; Olympic Games; swimming")
E("2008-09-10", "Large Hadron Collider", "CERN circulates the first proton beam around the Large Hadron Collider near Geneva.",
  "CERN; Geneva; Large Hadron Collider")
E("2008-09-15", "Bankruptcy of Lehman Brothers", "Lehman Brothers files for Chapter 11 bankruptcy protection, the largest bankruptcy filing in U.S. history.",
  "Chapter 11; Lehman Brothers; Wall Street; financial crisis of 2007-2008",
  sources=[W("Bankruptcy of Lehman Brothers")])
E("2008-10-03", "Emergency Economic Stabilization Act of 2008", "U.S. President George W. Bush signs a $700 billion rescue of the financial system into law.",
  "George W. Bush; Troubled Asset Relief Program; financial crisis of 2007-2008")
E("2008-11-04", "United States presidential election, 2008", "Barack Obama is elected President of the United States, defeating John McCain.",
  "Barack Obama; John McCain; United States presidential election; elections",
  "He will be the first African American to hold the office.", key="obama08")
E("2009-01-01", "Euro", "Slovakia adopts the euro.", "Euro; Slovakia")
E("2009-01-20", "Inauguration of Barack Obama", "Barack Obama is sworn in as the 44th President of the United States in Washington, D.C.",
  "Barack Obama; Washington, D.C.")
E("2009-03-07", "Kepler (spacecraft)", "NASA's Kepler space telescope, built to find Earth-sized planets around other stars, is launched from Cape Canaveral.",
  "Cape Canaveral; Kepler; NASA; exoplanet")
E("2009-04-06", "2009 L'Aquila earthquake", "An earthquake strikes the Abruzzo region of central Italy, killing 309 people in and around L'Aquila.",
  "Abruzzo; Italy; L'Aquila; earthquake")
E("2009-05-14", "Herschel Space Observatory", "An Ariane 5 rocket launches the European Space Agency's Herschel and Planck observatories from Kourou, French Guiana.",
  "Ariane 5; European Space Agency; French Guiana; Herschel; Planck")
E("2009-06-01", "General Motors Chapter 11 reorganization", "General Motors files for Chapter 11 bankruptcy protection, with the U.S. government set to take a majority stake.",
  "Chapter 11; General Motors; financial crisis of 2007-2008")
E("2009-06-01", "Air France Flight 447", "Air France Flight 447 from Rio de Janeiro to Paris disappears over the Atlantic Ocean with 228 people on board.",
  "Air France; Atlantic Ocean; Brazil; Rio de Janeiro")
E("2009-10-02", "2016 Summer Olympics", "The International Olympic Committee, meeting in Copenhagen, awards the 2016 Summer Olympics to Rio de Janeiro.",
  "Brazil; Copenhagen; International Olympic Committee; Olympic Games; Rio de Janeiro")

# ---------------------------------------------------------------- 2010-2012
E("2010-01-12", "2010 Haiti earthquake", "A magnitude 7.0 earthquake devastates Port-au-Prince, the capital of Haiti.",
  "Haiti; Port-au-Prince; earthquake",
  "The government later puts the death toll above 200,000.", [W("2010 Haiti earthquake")], key="haiti")
E("2010-01-26", "Spirit (rover)", "NASA gives up trying to free the Mars rover Spirit from soft sand and says it will continue as a stationary research platform.",
  "Mars; Mars Exploration Rover; NASA; Spirit")
E("2010-02-27", "2010 Chile earthquake", "A magnitude 8.8 earthquake and the tsunami that follows kill more than 500 people in central Chile.",
  "Chile; earthquake; tsunami")
E("2010-04-10", "2010 Polish Air Force Tu-154 crash", "A Polish Air Force plane crashes near Smolensk, Russia, killing all 96 people aboard, including President Lech Kaczynski.",
  "Lech Kaczynski; Poland; Russia; Smolensk")
E("2010-04-14", "2010 eruptions of Eyjafjallajokull", "An eruption under the Eyjafjallaj\u00f6kull glacier in Iceland sends an ash cloud toward Europe that will close much of the continent's airspace.",
  "Iceland; air travel; volcano")
E("2010-04-20", "Deepwater Horizon oil spill", "An explosion on the Deepwater Horizon drilling rig in the Gulf of Mexico kills 11 workers and starts a huge oil spill.",
  "BP; Deepwater Horizon; Gulf of Mexico; oil spill")
E("2010-05-02", "Greek government-debt crisis", "Eurozone finance ministers and the International Monetary Fund agree a 110 billion euro rescue loan for Greece.",
  "Euro; European debt crisis; Greece; International Monetary Fund")
E("2010-05-11", "David Cameron", "David Cameron becomes British Prime Minister at the head of a coalition between the Conservatives and the Liberal Democrats.",
  "Conservative Party; David Cameron; United Kingdom")
E("2010-07-11", "2010 FIFA World Cup Final", "Spain wins its first FIFA World Cup, beating the Netherlands 1-0 after extra time in Johannesburg.",
  "FIFA World Cup; Johannesburg; Netherlands; South Africa; Spain")
E("2010-12-02", "2018 and 2022 FIFA World Cup bids", "FIFA's executive committee chooses Russia to host the 2018 World Cup and Qatar for 2022.",
  "FIFA; FIFA World Cup; Qatar; Russia; Zurich")
E("2011-01-01", "Estonia and the euro", "Estonia becomes the 17th country to use the euro.", "Estonia; Euro")
E("2011-03-11", "2011 Tohoku earthquake and tsunami", "A magnitude 9.0 earthquake off the Pacific coast of Tohoku triggers a tsunami that devastates north-eastern Japan.",
  "Japan; Tohoku; earthquake; tsunami",
  "Around 18,000 people are killed or go missing.", [W("2011 Tōhoku earthquake and tsunami")], key="tohoku", dup_topic=True)
E("2011-03-12", "Fukushima Daiichi nuclear disaster", "A hydrogen explosion blows apart the building around reactor 1 at the Fukushima Daiichi nuclear power plant.",
  "Fukushima Daiichi Nuclear Power Plant; Japan; nuclear accident")
E("2011-05-02", "Death of Osama bin Laden", "Osama bin Laden is killed by U.S. special forces in a raid on his compound in Abbottabad, Pakistan.",
  "Abbottabad; Barack Obama; Osama bin Laden; Pakistan; al-Qaeda",
  "President Barack Obama announces the operation in a late-night address.")
E("2011-07-21", "STS-135", "Space Shuttle Atlantis lands at the Kennedy Space Center, bringing the 30-year Space Shuttle program to a close.",
  "Kennedy Space Center; NASA; Space Shuttle Atlantis; Space Shuttle program")
E("2011-08-05", "United States federal government credit-rating downgrades", "Standard & Poor's lowers the long-term credit rating of the United States from AAA to AA+ for the first time.",
  "Standard & Poor's; United States; credit rating")
E("2011-10-05", "Steve Jobs", "Apple co-founder Steve Jobs dies at the age of 56.",
  "Apple Inc.; Steve Jobs")
E("2011-11-09", "Fobos-Grunt", "Russia's Fobos-Grunt probe to the Martian moon Phobos is launched from Baikonur but becomes stranded in Earth orbit when its engine fails to fire.",
  "Baikonur; Fobos-Grunt; Kazakhstan; Mars; Roscosmos",
  "The Zenit rocket lifted off shortly after midnight Moscow time; the spacecraft also carries China's first Mars orbiter, Yinghuo-1.")
E("2011-11-26", "Mars Science Laboratory", "NASA launches the Mars Science Laboratory and its rover ''Curiosity'' on an Atlas V rocket from Cape Canaveral.",
  "Cape Canaveral; Curiosity; Mars; Mars Science Laboratory; NASA")
E("2011-12-18", "Withdrawal of U.S. troops from Iraq", "The last U.S. troops leave Iraq, crossing the border into Kuwait nearly nine years after the invasion.",
  "Iraq; Iraq War; Kuwait")
E("2012-05-18", "Initial public offering of Facebook", "Facebook shares begin trading on the NASDAQ in one of the largest initial public offerings in U.S. history.",
  "Facebook; Mark Zuckerberg; NASDAQ")
E("2012-05-25", "SpaceX Dragon", "SpaceX's Dragon capsule is berthed to the International Space Station, the first commercial spacecraft to visit it.",
  "Dragon; International Space Station; SpaceX")
E("2012-07-04", "Higgs boson", "Physicists at CERN announce the discovery of a new particle consistent with the Higgs boson.",
  "CERN; Higgs boson; Large Hadron Collider")
E("2012-07-26", "European debt crisis", "European Central Bank President Mario Draghi tells an audience in London that the bank will do \"whatever it takes\" to preserve the euro.",
  "Euro; European Central Bank; European debt crisis; Mario Draghi")
E("2012-07-27", "2012 Summer Olympics", "Queen Elizabeth II opens the London Olympic Games after a ceremony directed by Danny Boyle.",
  "London; Olympic Games; United Kingdom")
E("2012-08-06", "Curiosity (rover)", "NASA's Mars rover ''Curiosity'' touches down in Gale Crater after being lowered to the surface by a rocket-powered sky crane.",
  "Curiosity; Gale Crater; Mars; Mars Science Laboratory; NASA",
  "Engineers at the Jet Propulsion Laboratory celebrate as the first thumbnail images arrive.", [NASA_MARS, W("Curiosity (rover)")], key="curiosity")
E("2012-10-22", "Lance Armstrong doping case", "The International Cycling Union strips Lance Armstrong of his seven Tour de France titles and bans him for life.",
  "Lance Armstrong; Tour de France; Union Cycliste Internationale; doping")
E("2012-11-06", "United States presidential election, 2012", "Barack Obama is re-elected President of the United States, defeating Republican challenger Mitt Romney.",
  "Barack Obama; Mitt Romney; United States presidential election; elections")

# ---------------------------------------------------------------- 2013-2015
E("2013-02-15", "Chelyabinsk meteor", "A meteor explodes over Chelyabinsk in Russia; the shock wave shatters windows and injures about 1,500 people.",
  "Chelyabinsk; Russia; meteor")
E("2013-06-09", "Edward Snowden", "Former intelligence contractor Edward Snowden reveals himself as the source of the leaks about U.S. National Security Agency surveillance programmes.",
  "Edward Snowden; Hong Kong; National Security Agency; The Guardian")
E("2013-08-21", "Ghouta chemical attack", "Rockets loaded with sarin strike the Ghouta suburbs of Damascus, killing hundreds of people.",
  "Damascus; Syria; Syrian Civil War; chemical weapons")
E("2013-11-05", "Mars Orbiter Mission", "India's Mars Orbiter Mission is launched on a PSLV rocket from Sriharikota.",
  "India; Indian Space Research Organisation; Mars; Mars Orbiter Mission")
E("2013-11-18", "MAVEN", "NASA's MAVEN probe, designed to study the upper atmosphere of Mars, lifts off from Cape Canaveral.",
  "Cape Canaveral; MAVEN; Mars; NASA")
E("2013-12-19", "Gaia (spacecraft)", "The European Space Agency's Gaia observatory is launched on a Soyuz rocket from Kourou to map about a billion stars.",
  "European Space Agency; French Guiana; Gaia")
E("2014-01-01", "Latvia and the euro", "Latvia switches from the lats to the euro.", "Euro; Latvia")
E("2014-02-07", "2014 Winter Olympics", "The Winter Olympic Games open in Sochi, Russia.",
  "Olympic Games; Russia; Sochi; Winter Olympics")
E("2014-02-19", "PLATO (spacecraft)", "The European Space Agency selects PLATO, a telescope to search for Earth-like planets around nearby stars, as a medium-class science mission.",
  "European Space Agency; PLATO; exoplanet")
E("2014-03-08", "Malaysia Airlines Flight 370", "Malaysia Airlines Flight 370 from Kuala Lumpur to Beijing disappears with 239 people on board.",
  "Beijing; Kuala Lumpur; Malaysia; Malaysia Airlines")
E("2014-03-18", "Annexation of Crimea by the Russian Federation", "Russian President Vladimir Putin signs a treaty absorbing Crimea into Russia, two days after a disputed referendum.",
  "Crimea; Russia; Ukraine; Vladimir Putin")
E("2014-05-25", "2014 Ukrainian presidential election", "Businessman Petro Poroshenko wins Ukraine's presidential election outright in the first round.",
  "Petro Poroshenko; Ukraine; elections")
E("2014-05-26", "Narendra Modi", "Narendra Modi is sworn in as Prime Minister of India after his Bharatiya Janata Party wins a parliamentary majority.",
  "Bharatiya Janata Party; India; Narendra Modi")
E("2014-06-10", "Fall of Mosul", "Islamic State militants seize Mosul, Iraq's second-largest city, as government troops flee.",
  "Iraq; Islamic State; Mosul")
E("2014-07-08", "Brazil v Germany (2014 FIFA World Cup)", "Germany beats host nation Brazil 7-1 in the World Cup semi-final in Belo Horizonte.",
  "Belo Horizonte; Brazil; FIFA World Cup; Germany")
E("2014-07-13", "2014 FIFA World Cup Final", "Germany wins the FIFA World Cup, beating Argentina 1-0 after extra time at the Maracana in Rio de Janeiro.",
  "Argentina; FIFA World Cup; Germany; Rio de Janeiro")
E("2014-07-17", "Malaysia Airlines Flight 17", "Malaysia Airlines Flight 17 is shot down over eastern Ukraine, killing all 298 people on board.",
  "Malaysia Airlines; Netherlands; Ukraine; war in Donbass",
  "Most of the victims are Dutch citizens travelling from Amsterdam to Kuala Lumpur.")
E("2014-07-17", "2014 Israel-Gaza conflict", "Israel launches a ground offensive into the Gaza Strip.",
  "Gaza Strip; Hamas; Israel", dayonly=True)
E("2014-09-22", "MAVEN", "NASA's MAVEN spacecraft enters orbit around Mars to study how the planet lost its atmosphere.",
  "MAVEN; Mars; NASA")
E("2014-09-24", "Mars Orbiter Mission", "India's Mars Orbiter Mission reaches Mars orbit, making India the first Asian nation to get there.",
  "India; Indian Space Research Organisation; Mars; Mars Orbiter Mission",
  "The Indian Space Research Organisation succeeds on its first attempt.")
E("2014-11-12", "Philae (spacecraft)", "The Philae lander, released by the European Space Agency's Rosetta orbiter, lands on comet 67P/Churyumov-Gerasimenko, bouncing twice before coming to rest.",
  "67P/Churyumov-Gerasimenko; European Space Agency; Philae; Rosetta", key="philae")
E("2015-01-01", "Lithuania and the euro", "Lithuania adopts the euro, becoming the 19th member of the eurozone.",
  "Euro; Lithuania; eurozone")
E("2015-01-07", "Charlie Hebdo shooting", "Gunmen kill twelve people at the Paris offices of the satirical weekly Charlie Hebdo.",
  "Charlie Hebdo; France; Paris; terrorism")
E("2015-03-27", "ISS year-long mission", "Scott Kelly and Mikhail Kornienko launch from Baikonur to begin almost a year aboard the International Space Station.",
  "Baikonur; International Space Station; Kazakhstan; Mikhail Kornienko; Scott Kelly")
E("2015-04-25", "April 2015 Nepal earthquake", "A magnitude 7.8 earthquake strikes Nepal, killing about 9,000 people and setting off an avalanche at the Mount Everest base camp.",
  "Kathmandu; Mount Everest; Nepal; earthquake")
E("2015-05-27", "2015 FIFA corruption case", "Swiss police arrest seven FIFA officials at a Zurich hotel at the request of the U.S. Department of Justice.",
  "FIFA; Switzerland; United States Department of Justice; Zurich")
E("2015-07-05", "Greek bailout referendum, 2015", "Greek voters reject the bailout terms offered by the country's creditors, with about 61 percent voting no.",
  "Alexis Tsipras; European debt crisis; Greece")
E("2015-07-14", "New Horizons", "NASA's New Horizons spacecraft flies past Pluto, returning the first close-up images of the dwarf planet.",
  "NASA; New Horizons; Pluto")
E("2015-09-28", "Mars Reconnaissance Orbiter", "NASA reports that observations by the Mars Reconnaissance Orbiter point to salty liquid water flowing seasonally on present-day Mars.",
  "Mars; Mars Reconnaissance Orbiter; NASA; water")
E("2015-09-30", "Russian military intervention in the Syrian Civil War", "Russia begins air strikes in Syria in support of President Bashar al-Assad's government.",
  "Bashar al-Assad; Russia; Syria; Syrian Civil War; Vladimir Putin")
E("2015-11-13", "November 2015 Paris attacks", "Coordinated attacks by Islamic State gunmen and suicide bombers kill 130 people in Paris and Saint-Denis.",
  "France; Islamic State; Paris; terrorism", sources=[W("November 2015 Paris attacks")])
E("2015-12-12", "Paris Agreement", "Delegates of 195 countries adopt the Paris Agreement on climate change at the COP21 conference.",
  "Paris; Paris Agreement; United Nations Climate Change Conference; climate change")
E("2015-12-21", "Falcon 9", "SpaceX lands the first stage of a Falcon 9 rocket upright at Cape Canaveral after an orbital launch, a first for an orbital rocket.",
  "Cape Canaveral; Falcon 9; SpaceX")

# ---------------------------------------------------------------- 2016-2018
E("2016-02-11", "First observation of gravitational waves", "Scientists of the LIGO collaboration announce the first direct detection of gravitational waves, produced by two merging black holes.",
  "LIGO; black hole; gravitational waves")
E("2016-03-02", "ISS year-long mission", "Scott Kelly and Mikhail Kornienko land in Kazakhstan after 340 days aboard the International Space Station.",
  "International Space Station; Kazakhstan; Mikhail Kornienko; Scott Kelly")
E("2016-03-14", "ExoMars", "A Proton rocket launches the joint European-Russian ExoMars Trace Gas Orbiter and the Schiaparelli lander from the Baikonur Cosmodrome.",
  "Baikonur; European Space Agency; ExoMars; Kazakhstan; Mars; Roscosmos; Schiaparelli",
  "The spacecraft is due to arrive at Mars in October.", [ESA_EXO], force_ctx=True)
E("2016-03-14", "Russian military intervention in the Syrian Civil War", "Russian President Vladimir Putin orders the main part of Russia's forces in Syria to begin withdrawing.",
  "Russia; Syria; Syrian Civil War; Vladimir Putin")
E("2016-03-15", "AlphaGo versus Lee Sedol", "Google DeepMind's AlphaGo program wins the fifth and final game against Go champion Lee Sedol in Seoul, taking the match 4-1.",
  "AlphaGo; Go; Google DeepMind; Lee Sedol; Seoul")
E("2016-06-24", "United Kingdom European Union membership referendum, 2016", "Results show that the United Kingdom has voted to leave the European Union, by 51.9 percent to 48.1 percent.",
  "Brexit; European Union; United Kingdom",
  sources=[W("2016 United Kingdom European Union membership referendum")], key="brexit", dup_topic=True)
E("2016-06-24", "David Cameron", "British Prime Minister David Cameron announces that he will resign after losing the referendum on European Union membership.",
  "Brexit; David Cameron; European Union; United Kingdom")
E("2016-06-24", "Pound sterling", "The pound falls to its lowest level against the U.S. dollar since 1985 as markets react to the referendum result.",
  "Brexit; United Kingdom; pound sterling", dayonly=True)
E("2016-07-13", "Theresa May", "Theresa May becomes Prime Minister of the United Kingdom, succeeding David Cameron.",
  "Conservative Party; David Cameron; Theresa May; United Kingdom")
E("2016-08-05", "2016 Summer Olympics", "The Rio de Janeiro Olympic Games open at the Maracana, the first Olympics held in South America.",
  "Brazil; Olympic Games; Rio de Janeiro")
E("2016-08-24", "August 2016 Central Italy earthquake", "A magnitude 6.2 earthquake strikes central Italy, destroying much of Amatrice and killing nearly 300 people.",
  "Amatrice; Italy; earthquake")
E("2016-10-16", "Schiaparelli EDM lander", "The Schiaparelli lander separates from the ExoMars Trace Gas Orbiter and starts a three-day coast toward the surface of Mars.",
  "European Space Agency; ExoMars; Mars; Schiaparelli", sources=[ESA_EXO])
E("2016-10-19", "ExoMars", "The ExoMars Trace Gas Orbiter enters orbit around Mars, but contact with the Schiaparelli lander is lost shortly before its planned touchdown.",
  "European Space Agency; ExoMars; Mars; Schiaparelli",
  "Images taken later by a NASA orbiter show that the lander hit the surface at high speed.")
E("2016-11-08", "United States presidential election, 2016", "Republican Donald Trump defeats Democrat Hillary Clinton to win the U.S. presidential election.",
  "Donald Trump; Hillary Clinton; United States presidential election; elections")
E("2017-01-20", "Inauguration of Donald Trump", "Donald Trump is sworn in as the 45th President of the United States.",
  "Donald Trump; Washington, D.C.")
E("2017-02-22", "TRAPPIST-1", "Astronomers announce that the nearby star TRAPPIST-1 hosts seven Earth-sized planets, three of them in its habitable zone.",
  "NASA; TRAPPIST-1; exoplanet")
E("2017-03-07", "Timeline of Mars exploration", "U.S. Congress passes the NASA Transition Authorization Act, which directs the agency to send humans to Mars in the 2030s.",
  "Mars; NASA; United States Congress",
  "The bill, approved by the House after earlier passage in the Senate, authorises $19.5 billion for NASA and drops the plan to capture an asteroid.",
  [W("NASA Transition Authorization Act of 2017"), ("Congress.gov", "https://www.congress.gov/bill/115th-congress/senate-bill/442")],
  key="marsbill", dup_topic=True)
E("2017-03-07", "Vault 7", "WikiLeaks begins publishing \"Vault 7\", a large set of documents describing hacking tools used by the U.S. Central Intelligence Agency.",
  "Central Intelligence Agency; WikiLeaks")
E("2017-03-21", "NASA Transition Authorization Act of 2017", "U.S. President Donald Trump signs the NASA Transition Authorization Act into law, setting a goal of a crewed mission to Mars.",
  "Donald Trump; Mars; NASA")
E("2017-03-29", "Brexit", "The United Kingdom formally notifies the European Union of its withdrawal under Article 50 of the Treaty on European Union.",
  "Brexit; European Union; Theresa May; United Kingdom")
E("2017-04-07", "2017 Shayrat missile strike", "The United States fires 59 Tomahawk cruise missiles at Syria's Shayrat Airbase in response to a chemical attack on Khan Shaykhun.",
  "Donald Trump; Syria; Syrian Civil War; chemical weapons")
E("2017-05-07", "French presidential election, 2017", "Emmanuel Macron defeats Marine Le Pen to become the youngest President of France.",
  "Emmanuel Macron; France; Marine Le Pen; elections")
E("2017-06-01", "United States withdrawal from the Paris Agreement", "U.S. President Donald Trump announces that the United States will withdraw from the Paris Agreement on climate change.",
  "Donald Trump; Paris Agreement; climate change")
E("2017-07-10", "Battle of Mosul (2016-2017)", "Iraqi Prime Minister Haider al-Abadi formally declares victory over the Islamic State in Mosul.",
  "Haider al-Abadi; Iraq; Islamic State; Mosul")
E("2017-09-03", "2017 North Korean nuclear test", "North Korea carries out its sixth and most powerful nuclear test, claiming to have detonated a hydrogen bomb.",
  "Kim Jong-un; North Korea; nuclear test")
E("2017-09-15", "Cassini-Huygens", "The Cassini spacecraft ends its mission by plunging into the atmosphere of Saturn.",
  "Cassini; NASA; Saturn")
E("2017-09-19", "2017 Central Mexico earthquake", "A magnitude 7.1 earthquake strikes central Mexico on the anniversary of the 1985 Mexico City earthquake, killing more than 350 people.",
  "Mexico; Mexico City; Puebla; earthquake")
E("2018-02-06", "Falcon Heavy test flight", "SpaceX's Falcon Heavy rocket makes its first flight from the Kennedy Space Center, sending Elon Musk's Tesla Roadster toward an orbit that crosses that of Mars.",
  "Elon Musk; Falcon Heavy; Kennedy Space Center; Mars; SpaceX",
  "Two of the three boosters land back at Cape Canaveral side by side.")
E("2018-02-09", "2018 Winter Olympics", "The Winter Olympics open in PyeongChang, South Korea, with athletes of North and South Korea marching together.",
  "North Korea; Olympic Games; PyeongChang; South Korea; Winter Olympics")
E("2018-03-14", "Stephen Hawking", "British theoretical physicist Stephen Hawking dies at his home in Cambridge at the age of 76.",
  "Cambridge; Stephen Hawking; black hole")
E("2018-03-18", "2018 Russian presidential election", "Vladimir Putin is re-elected President of Russia for a fourth term.",
  "Russia; Vladimir Putin; elections")
E("2018-04-18", "Transiting Exoplanet Survey Satellite", "A Falcon 9 rocket launches NASA's TESS planet-hunting satellite from Cape Canaveral.",
  "Cape Canaveral; Falcon 9; NASA; SpaceX; TESS; exoplanet")
E("2018-04-27", "2018 inter-Korean summit", "Kim Jong-un crosses into South Korea at Panmunjom for a summit with President Moon Jae-in.",
  "Kim Jong-un; Moon Jae-in; North Korea; Panmunjom; South Korea")
E("2018-05-05", "InSight", "NASA's InSight lander lifts off from Vandenberg Air Force Base in California, the first interplanetary launch from the U.S. West Coast.",
  "InSight; Mars; NASA; Vandenberg Air Force Base",
  "The Atlas V also carries two small MarCO satellites that will relay data during InSight's landing on Mars.")
E("2018-05-25", "General Data Protection Regulation", "The European Union's General Data Protection Regulation takes effect.",
  "European Union; General Data Protection Regulation; privacy")
E("2018-06-07", "Curiosity (rover)", "NASA scientists report that ''Curiosity'' has found organic molecules in three-billion-year-old rocks and seasonal changes in methane on Mars.",
  "Curiosity; Gale Crater; Mars; NASA; organic compounds")
E("2018-06-12", "2018 North Korea-United States Singapore Summit", "Donald Trump and Kim Jong-un meet in Singapore, the first meeting between a sitting U.S. president and a North Korean leader.",
  "Donald Trump; Kim Jong-un; North Korea; Singapore")
E("2018-06-13", "Opportunity (rover)", "NASA says the rover Opportunity has fallen silent as a planet-wide dust storm on Mars cuts off the sunlight powering it.",
  "Mars; Mars Exploration Rover; NASA; Opportunity; dust storm")
E("2018-07-15", "2018 FIFA World Cup Final", "France wins the FIFA World Cup for the second time, beating Croatia 4-2 at the Luzhniki Stadium in Moscow.",
  "Croatia; FIFA World Cup; France; Moscow; Russia")
E("2018-07-25", "Mars Express", "Italian scientists using the MARSIS radar on Mars Express report a lake of liquid water about 20 kilometres across beneath the south polar ice of Mars.",
  "European Space Agency; MARSIS; Mars; Mars Express; water",
  "The signal comes from about 1.5 kilometres below the ice surface.", [ESA_MEX])
E("2018-09-28", "2018 Sulawesi earthquake and tsunami", "A magnitude 7.5 earthquake and tsunami hit Palu on the Indonesian island of Sulawesi, killing more than 4,000 people.",
  "Indonesia; Palu; Sulawesi; earthquake; tsunami")
E("2018-10-11", "Soyuz MS-10", "The Soyuz MS-10 launch from Baikonur is aborted after a booster failure; Aleksey Ovchinin and Nick Hague land safely in Kazakhstan.",
  "Baikonur; International Space Station; Kazakhstan; Soyuz MS-10")
E("2018-11-26", "InSight", "NASA's InSight lander touches down on Elysium Planitia to study the interior of Mars.",
  "InSight; Mars; NASA")

# Related items pointing at events that are NOT in this sample (as in a partial archive).
EXTERNAL = [
    ("mex", "2004-01-19", "Mars Express returns its first high-resolution colour pictures of the Martian surface, including part of Valles Marineris.",
     "European Space Agency; Mars; Mars Express"),
    ("curiosity", "2012-08-19", "NASA's rover ''Curiosity'' fires its laser at a Martian rock for the first time.", "Curiosity; Mars; NASA"),
    ("saddam", "2003-07-22", "Uday and Qusay Hussein, the sons of Saddam Hussein, are killed in a gun battle with U.S. troops in Mosul.",
     "Iraq; Iraq War; Saddam Hussein"),
    ("euro1999", "2000-09-28", "Danish voters reject joining the euro in a referendum.", "Euro"),
    ("euro2002", "2003-09-14", "Sweden votes against adopting the euro in a referendum.", "Euro"),
    ("tohoku", "2011-04-12", "Japan raises the severity of the Fukushima nuclear crisis to level 7, the highest on the international scale.", "Japan"),
    ("bolt", "2009-08-16", "Usain Bolt lowers the 100 metres world record to 9.58 seconds at the World Championships in Berlin.", "Usain Bolt; athletics"),
    ("obama08", "2009-10-09", "U.S. President Barack Obama is awarded the Nobel Peace Prize.", "Barack Obama"),
    ("brexit", "2018-11-25", "European Union leaders meeting in Brussels endorse the Brexit withdrawal agreement.", "Brexit; European Union"),
    ("philae", "2016-09-30", "The Rosetta mission ends with a controlled descent of the spacecraft onto comet 67P/Churyumov-Gerasimenko.",
     "67P/Churyumov-Gerasimenko; European Space Agency; Rosetta"),
    ("haiti", "2016-10-04", "Hurricane Matthew strikes south-western Haiti as a Category 4 storm.", "Haiti"),
]

# Days that also get a README.md variant, and how it differs from index.md.
README_DAYS = {
    "1999-01-08": "oldslug", "2003-06-02": "ctxspell", "2003-12-19": "reverse",
    "2007-01-01": "topics", "2011-03-11": "noformats", "2012-08-06": "topics",
    "2016-03-14": "reverse", "2016-06-24": "ctxspell", "2017-03-07": "reverse",
    "2009-06-01": "reverse",
}
# Days whose index.md shows a topic heading above every item.
TOPIC_DAYS = {"2003-12-19", "2016-03-14", "2017-03-07", "2008-08-08", "2004-01-04",
              "2010-04-20", "2014-07-17", "2018-07-25", "2012-07-04", "2001-09-11"}


# ---------------------------------------------------------------- helpers
def slugify(title):
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s[:139].rstrip("-")


def h(s):
    """Small deterministic hash for stylistic variation."""
    return int(hashlib.sha1(s.encode("utf-8")).hexdigest()[:8], 16)


def ddate(iso):
    return dt.date.fromisoformat(iso)


def dpath(d):
    return f"{d.year}/{d.month:02d}/{d.day}"


def dtext(d):
    return f"{d.year}-{d.month:02d}-{d.day}"


def link_text(title, d):
    # older entries of the archive carry a leading space inside the link text
    return f" {title}" if d.year <= 2003 else f"{title} "


def prepare():
    seen = set()
    for e in EVENTS:
        e["d"] = ddate(e["date"])
        e["slug"] = slugify(e["title"])
        e["url"] = f"/news/{dpath(e['d'])}/{e['slug']}.md"
        assert (e["d"], e["slug"]) not in seen, e["slug"]
        seen.add((e["d"], e["slug"]))
        assert len(set(e["contexts"])) == len(e["contexts"]), e["title"]


def related_for(e, pool):
    cands = []
    mine = set(e["contexts"])
    for o in pool:
        if o is e:
            continue
        shared = mine & set(o["contexts"])
        if shared:
            cands.append((-len(shared), abs((o["d"] - e["d"]).days), o["slug"], o["title"], o["d"], sorted(shared)))
    for key, date, title, shared in EXTERNAL:
        if e.get("key") == key:
            sh = [c.strip() for c in shared.split(";")]
            assert set(sh) <= mine, (key, sh)
            d = ddate(date)
            cands.append((-len(sh), abs((d - e["d"]).days), slugify(title), title, d, sorted(sh)))
    cands.sort()
    return cands[:8]


def formats_line(prefix):
    return f"Formats: [HTML]({prefix}.html)  [JSON]({prefix}.json)  [XML]({prefix}.xml)  "


def event_page(e, title, slug, related, with_formats, changes=None):
    d = e["d"]
    out = []
    if with_formats:
        out += ["", formats_line(f"/news/{dpath(d)}/{slug}"), ""]
    out += [f"### [{dtext(d)}](/news/{dpath(d)}/index.md)", ""]
    if e["topic"] and h(slug + "t") % 5 != 0:
        out.append(f"##### {e['topic']}")
    out.append(("#  " if d.year < 2010 else "# ") + title + " ")
    out.append("")
    if e["summary"]:
        out += [e["summary"], "", ""]
    else:
        out += ["", "", ""]
    src = e["sources"]
    if not src and e["topic"] and h(slug + "s") % 3 == 0:
        src = [W(e["topic"])]
    if src:
        heading = "Sources:" if (len(src) > 1 or h(slug + "p") % 4 == 0) else "Source:"
        out += [f"### {heading}", ""]
        out += [f"{i}. [{n}]({u})" for i, (n, u) in enumerate(src, 1)]
        out.append("")
    if changes:
        out += ["### Changes:", ""] + changes + [""]
    if related:
        out += ["### Related:", ""]
        for i, (_, _, rslug, rtitle, rd, shared) in enumerate(related, 1):
            out.append(f"{i}. [{link_text(rtitle, rd)}](/news/{dpath(rd)}/{rslug}.md) _Context: {', '.join(shared)}_")
        out.append("")
    return "\n".join(out) + "\n"


def day_page(d, items, mode=None):
    """items: list of events on day d. mode: README variant or None for index.md."""
    iso = d.isoformat()
    out = []
    if mode != "noformats" and h(iso + "f") % 6 != 0:
        out += ["", formats_line(dpath(d) + "/index"), ""]
    out += [f"## [{dtext(d)}](/news/{dpath(d)}/index.md)", ""]
    seq = list(reversed(items)) if mode == "reverse" else list(items)
    show_topics = (iso in TOPIC_DAYS) or mode == "topics"
    spelled = False
    for e in seq:
        title, slug = e["title"], e["slug"]
        if mode == "oldslug" and e.get("changes"):
            title, slug = e["changes"][0], slugify(e["changes"][0])
        if show_topics and e["topic"]:
            out.append(f"##### {e['topic']}")
        out.append(f"### [{link_text(title, d)}](/news/{dpath(d)}/{slug}.md)")
        if e["use_summary"]:
            out.append(e["summary"])
        else:
            ctx = list(e["contexts"])
            if mode == "ctxspell" and not spelled:
                ctx[0] = ctx[0] + "'s"
                spelled = True
            out.append("_Context: " + ", ".join(ctx) + "_")
        out.append("")
    prev = d - dt.timedelta(days=1)
    out += [f"## [Previous Day...](/news/{dpath(prev)}/index.md)", ""]
    return "\n".join(out) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def build():
    prepare()
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    pool = [e for e in EVENTS if not e.get("dayonly")]
    oddities = []
    for e in EVENTS:
        e["use_summary"] = bool(e["summary"]) and not e.get("force_ctx") and h(e["slug"] + "d") % 5 < 2
    for e in pool:
        rel = related_for(e, pool)
        fmt = e.get("force_ctx") or h(e["slug"] + "f") % 4 != 0
        changes = None
        if e.get("changes"):
            old_title, stamp = e["changes"]
            old_slug = slugify(old_title)
            base = f"/news/{dpath(e['d'])}"
            changes = [f"1. [{link_text(old_title, e['d'])}]({base}/{old_slug}.md) _{stamp} (First version)_",
                       f"1. [{link_text(e['title'], e['d'])}]({base}/{e['slug']}.md) _(Current version)_"]
            old = dict(e, topic=None, summary=None, sources=[])
            write(os.path.join(OUT, dpath(e["d"]), old_slug + ".md"),
                  event_page(old, old_title, old_slug, [], False))
            oddities.append(("changes", f"news/{dpath(e['d'])}/{e['slug']}.md (older slug {old_slug}.md)"))
        write(os.path.join(OUT, dpath(e["d"]), e["slug"] + ".md"),
              event_page(e, e["title"], e["slug"], rel, fmt, changes))
        if e.get("dup_topic"):
            t2 = f"{e['topic']}. {e['title']}"
            s2 = slugify(t2)
            write(os.path.join(OUT, dpath(e["d"]), s2 + ".md"), event_page(e, t2, s2, rel, not fmt))
            oddities.append(("topic-prefixed duplicate", f"news/{dpath(e['d'])}/{s2}.md"))
    for e in EVENTS:
        if e.get("dayonly"):
            oddities.append(("day-page only", f"news/{dpath(e['d'])}/{e['slug']}.md (no file)"))
    days = {}
    for e in EVENTS:
        days.setdefault(e["d"], []).append(e)
    for d, items in sorted(days.items()):
        write(os.path.join(OUT, dpath(d), "index.md"), day_page(d, items))
        mode = README_DAYS.get(d.isoformat())
        if mode:
            write(os.path.join(OUT, dpath(d), "README.md"), day_page(d, items, mode))
            oddities.append((f"README.md variant ({mode})", f"news/{dpath(d)}/README.md"))
    for key, date, title, _ in EXTERNAL:
        src = next(e for e in EVENTS if e.get("key") == key)
        if any(r[2] == slugify(title) for r in related_for(src, pool)):
            oddities.append(("related to event not in sample", f"news/{dpath(src['d'])}/{src['slug']}.md -> {date}"))
    return days, oddities


# ---------------------------------------------------------------- checks
LINK = re.compile(r"\]\((/news/[^)]+\.md)\)")


def check(days):
    problems = []
    dayonly = {e["url"] for e in EVENTS if e.get("dayonly")}
    in_sample = {e["url"] for e in EVENTS}
    for root, _, files in os.walk(OUT):
        for fn in files:
            p = os.path.join(root, fn)
            text = open(p, encoding="utf-8").read()
            if text.startswith("---"):
                problems.append(f"front matter in {p}")
            in_related = False
            for line in text.splitlines():
                if line.startswith("### Related:"):
                    in_related = True
                for url in LINK.findall(line):
                    target = os.path.join(HERE, url.lstrip("/"))
                    if url.endswith("/index.md") and "Previous Day" in line:
                        continue
                    if fn in ("index.md", "README.md") and not url.endswith("/index.md"):
                        if not os.path.exists(target) and url not in dayonly:
                            problems.append(f"{p}: missing {url}")
                    elif in_related and url in in_sample and not os.path.exists(target):
                        problems.append(f"{p}: related target missing {url}")
                    elif url.endswith("/index.md") and not os.path.exists(target):
                        problems.append(f"{p}: missing day page {url}")
    mars = sum(1 for e in EVENTS if "Mars" in e["title"] or "Mars" in (e["summary"] or ""))
    years = {e["d"].year for e in EVENTS}
    if len(EVENTS) < 170:
        problems.append(f"only {len(EVENTS)} events")
    if len(days) < 65:
        problems.append(f"only {len(days)} days")
    if mars < 14:
        problems.append(f"only {mars} Mars events")
    if min(years) > 1999 or max(years) < 2018:
        problems.append("date range")
    return mars, problems


if __name__ == "__main__":
    days, oddities = build()
    mars, problems = check(days)
    mex = next(e for e in EVENTS if e.get("key") == "mex")
    print(f"events: {len(EVENTS)}  days: {len(days)}  Mars events: {mars}")
    print(f"Mars Express launch: news/{dpath(mex['d'])}/{mex['slug']}.md")
    for kind, where in oddities:
        print(f"  {kind}: {where}")
    if problems:
        print("PROBLEMS:", *problems, sep="\n  ")
        sys.exit(1)
    print("checks OK")
